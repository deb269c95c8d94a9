/**
 * Which authenticator the hub uses, and the rule that PAM never silently becomes another login
 * system. PAM is called for when `authenticator_class` names it, or, with no authenticator_class,
 * when the config sets PAM settings (any `PAMAuthenticator.*` or `LocalAuthenticator.*`, e.g.
 * `allowed_groups`, the renamed `group_whitelist`, `create_system_users`) or labhub runs as root
 * on Linux. If PAM is called for and cannot run here, the hub refuses to start and says what to
 * install ({@link requirePam}). Native accounts are used only when the config names them, or for
 * a non-root run with no PAM settings.
 */
import type { HubConfig } from '../config/index.js';
import { classForId, isExplicit } from '../config/index.js';
import { HubError } from '../errors.js';
import { pamReadiness, type PamReadiness } from './pam-backends.js';

export interface AuthChoice {
  /** What to resolve in the registry: `pam`, `native`, or the configured name. */
  id: string;
  /** `JupyterHub.authenticator_class` as configured (`default` when not set). */
  requested: string;
  /** Why this one, as a phrase for the log (`labhub runs as root and …`). */
  why: string;
  /** PAM was chosen, so it must be able to run (see {@link requirePam}). */
  pam: boolean;
  /** The PAM settings the config sets (`LocalAuthenticator.allowed_groups`, …). */
  pamSettings: string[];
}

/** `Class.trait` of every PAM setting the config sets itself (renames applied). */
export function pamSettingsIn(config: HubConfig): string[] {
  return (['LocalAuthenticator', 'PAMAuthenticator'] as const).flatMap((cls) =>
    Object.keys(config[cls] ?? {})
      .filter((k) => isExplicit(config, cls, k))
      .map((k) => `${cls}.${k}`)
      .sort(),
  );
}

/**
 * The rule of the file comment, without touching the machine beyond who runs labhub.
 * `env` is for tests (default: this process).
 */
export function chooseAuthenticator(
  config: HubConfig,
  env: { root: boolean; linux: boolean } = {
    root: process.getuid?.() === 0,
    linux: process.platform === 'linux',
  },
): AuthChoice {
  const requested = config.JupyterHub.authenticator_class;
  const pamSettings = pamSettingsIn(config);
  if (requested !== 'default') {
    const isPam = classForId(requested) === 'PAMAuthenticator';
    return {
      id: isPam ? 'pam' : requested,
      requested,
      why: `JupyterHub.authenticator_class is ${JSON.stringify(requested)}`,
      pam: isPam,
      pamSettings,
    };
  }
  if (pamSettings.length)
    return {
      id: 'pam',
      requested,
      why: `JupyterHub.authenticator_class is not set and the config sets ${pamSettings.join(', ')}, which only PAM uses`,
      pam: true,
      pamSettings,
    };
  if (env.root && env.linux)
    return {
      id: 'pam',
      requested,
      why: 'JupyterHub.authenticator_class is not set and labhub runs as root on Linux',
      pam: true,
      pamSettings,
    };
  return {
    id: 'native',
    requested,
    why: 'JupyterHub.authenticator_class is not set, labhub does not run as root and the config has no PAM settings',
    pam: false,
    pamSettings,
  };
}

/** The PAM service the config names (PAMAuthenticator.service, default `login`). */
export function pamServiceOf(config: HubConfig): string {
  const s = (config.PAMAuthenticator as Record<string, unknown> | undefined)?.service;
  return typeof s === 'string' && s ? s : 'login';
}

type Problems = PamReadiness['problems'];

/** Why PAM is needed and why it cannot run (the first half of a refusal). */
export function pamProblem(choice: AuthChoice, problems: Problems): string {
  return (
    `PAM is needed (${choice.why}) but cannot run on this machine: ${problems.map((p) => p.text).join('; ')}. ` +
    'labhub does not switch to another login system on its own (every Linux user would be refused).'
  );
}

/** What to do about it (the second half): each problem's fix, or ask for native accounts. */
export function pamFix(choice: AuthChoice, problems: Problems): string {
  return (
    `${problems.map((p) => p.fix).join(' ')} ` +
    "Or, if people should have accounts stored in the hub instead of their Linux passwords, set JupyterHub.authenticator_class = 'native'" +
    (choice.pamSettings.length
      ? ` (and remove ${choice.pamSettings.join(', ')}, which then have no effect)`
      : '') +
    '.'
  );
}

/**
 * When `choice` is PAM: resolves with what the machine offers, or throws HubError LABHUB_ERR_PAM
 * ({@link pamProblem} + {@link pamFix}) when PAM cannot run. Call before the hub starts serving.
 */
export async function requirePam(
  choice: AuthChoice,
  config: HubConfig,
): Promise<PamReadiness | null> {
  if (!choice.pam) return null;
  const r = await pamReadiness(pamServiceOf(config));
  if (r.problems.length)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      `${pamProblem(choice, r.problems)}\n  ${pamFix(choice, r.problems)}\n  (labhub doctor shows the same check.)`,
    );
  return r;
}
