/**
 * `labhub doctor` checks of the login side: which authenticator the hub will use and why, whether
 * PAM can run (the same rule and words as the hub's start, see auth/choice.ts: the root, the
 * service file, a backend, the reason the binding did not load), and the Linux accounts and groups
 * named by the policy. Each check returns results with the fix in words. Other machine checks:
 * doctor-spawner.ts, doctor-tls.ts, doctor-statsd.ts, doctor-files.ts.
 */
import type { HubConfig } from '../config/index.js';
import type { Settings } from '../core/settings.js';
import {
  chooseAuthenticator,
  pamFix,
  pamProblem,
  pamServiceOf,
  type AuthChoice,
} from '../auth/choice.js';
import { pamReadiness } from '../auth/pam-backends.js';
import { linuxAccountChecks } from '../auth/linux-account-checks.js';
import type { CheckResult } from './doctor-checks.js';

/** True when labhub runs as root (the checks of PAM, servers and ports depend on it). */
export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * The authenticator the hub will use (as its start would decide) and, for PAM, whether it can run:
 * an error with the start's own refusal when it cannot, the service file, the backends (with the
 * reason the node-linux-pam binding did not load), and root.
 */
export async function authenticatorChecks(config: HubConfig): Promise<CheckResult[]> {
  const choice = chooseAuthenticator(config);
  if (!choice.pam) return [nonPamCheck(choice)];
  const service = pamServiceOf(config);
  const r = await pamReadiness(service);
  const out: CheckResult[] = [
    r.problems.length
      ? {
          name: 'authenticator',
          status: 'error',
          detail: pamProblem(choice, r.problems),
          fix: pamFix(choice, r.problems),
        }
      : {
          name: 'authenticator',
          status: 'ok',
          detail: `PAM (${choice.why}): people log in with their Linux account and password`,
        },
  ];
  // A missing service file is part of the error above.
  if (r.serviceExists)
    out.push({
      name: 'PAM service',
      status: 'ok',
      detail: `PAM service "${service}" is configured (/etc/pam.d/${service})`,
    });
  if (r.backends.length)
    out.push({
      name: 'PAM backend',
      status: 'ok',
      detail: `password checks use ${r.backends[0]}${r.backends.length > 1 ? ` (also available: ${r.backends.slice(1).join(', ')})` : ''}`,
    });
  for (const w of r.warnings)
    out.push({ name: w.topic, status: 'warn', detail: w.text, fix: w.fix });
  return out;
}

/** Not PAM: say which and why, and flag PAM settings that will have no effect. */
function nonPamCheck(choice: AuthChoice): CheckResult {
  const name = 'authenticator';
  if (choice.pamSettings.length)
    return {
      name,
      status: 'warn',
      detail: `${choice.why}, so ${choice.pamSettings.join(', ')} (PAM settings) have no effect`,
      fix: `Remove them, or set JupyterHub.authenticator_class = 'pam' if people should log in with their Linux passwords.`,
    };
  return {
    name,
    status: 'ok',
    detail:
      choice.id === 'native'
        ? `labhub's own accounts, stored in the hub database (${choice.why})`
        : `${choice.id} (${choice.why})`,
  };
}

/**
 * Accounts and groups the policy names, and what a person can and cannot do with them (PAM only;
 * the checks live with the PAM authenticator, auth/linux-account-checks.ts).
 */
export async function accountChecks(
  s: Pick<Settings, 'authenticatorOptions'>,
  authId: string,
  opts: { countMembers?: boolean } = {},
): Promise<CheckResult[]> {
  if (authId !== 'pam') return [];
  return linuxAccountChecks(s.authenticatorOptions, opts);
}
