/**
 * The two ways labhub can talk to PAM, and whether each can run on this machine:
 * - `native`: the optional node-linux-pam binding (built at `npm install`; the build needs
 *   libpam0g-dev and a compiler, and npm drops an optional package whose build failed);
 * - `pamtester`: Debian's `pamtester` program (no native code).
 * When the binding cannot be loaded, the reason is kept and reported, never swallowed.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';

export type PamBackendName = 'native' | 'pamtester';

/** The binding's entry point labhub uses. */
export type NativePam = { pamAuthenticatePromise(o: Record<string, string>): Promise<number> };

/** Whether node-linux-pam loaded, and if not, why (the loader's message). */
export type NativeStatus = { ok: true; module: NativePam } | { ok: false; reason: string };

/** Searched for pamtester when PATH is unset or empty (Debian installs it in /usr/bin). */
export const PAMTESTER_FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

function searchPath(): string {
  return process.env.PATH || PAMTESTER_FALLBACK_PATH;
}

/** The labhub package directory (where `npm rebuild node-linux-pam` must run). */
export const LABHUB_DIR = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/**
 * What to install so that PAM can run, as one sentence of commands. npm drops an optional package
 * whose build failed, so when node_modules/node-linux-pam is gone it must be installed again.
 */
export function pamInstallHelp(): string {
  const present = existsSync(`${LABHUB_DIR}/node_modules/node-linux-pam/package.json`);
  let version = '';
  try {
    const pkg = JSON.parse(readFileSync(`${LABHUB_DIR}/package.json`, 'utf8')) as {
      optionalDependencies?: Record<string, string>;
    };
    version = pkg.optionalDependencies?.['node-linux-pam'] ?? '';
  } catch {
    /* no package.json: name the package without a version */
  }
  const npm = present
    ? 'npm rebuild node-linux-pam'
    : `npm install --no-save node-linux-pam${version ? `@${version}` : ''}`;
  return (
    'apt-get install pamtester (no compiler needed), or apt-get install libpam0g-dev build-essential python3 ' +
    `and then run ${npm} in ${LABHUB_DIR}`
  );
}

let native: Promise<NativeStatus> | undefined;

/** Loads node-linux-pam once (dynamic import, so the optional package is not needed to build). */
export function loadNativePam(): Promise<NativeStatus> {
  const spec = 'node-linux-pam'; // a variable: TypeScript must not require the optional package
  native ??= import(spec).then(
    (m: { pamAuthenticatePromise?: unknown; default?: { pamAuthenticatePromise?: unknown } }) => {
      const fn = m.pamAuthenticatePromise ?? m.default?.pamAuthenticatePromise;
      return typeof fn === 'function'
        ? { ok: true as const, module: { pamAuthenticatePromise: fn } as NativePam }
        : { ok: false as const, reason: 'node-linux-pam has no pamAuthenticatePromise export' };
    },
    (e: unknown) => ({
      ok: false as const,
      reason: String((e as Error)?.message ?? e)
        .split('\n')[0]!
        .slice(0, 300),
    }),
  );
  return native;
}

/** The pamtester executable on PATH (like any command labhub runs), or null. */
export function findPamtester(): string | null {
  for (const dir of searchPath().split(':'))
    if (dir.startsWith('/') && existsSync(`${dir}/pamtester`)) return `${dir}/pamtester`;
  return null;
}

/** Which backends can run here, the preferred first (native: the binding loads; pamtester: the program exists). */
export async function availablePamBackends(): Promise<PamBackendName[]> {
  const out: PamBackendName[] = [];
  if ((await loadNativePam()).ok) out.push('native');
  if (findPamtester()) out.push('pamtester');
  return out;
}

/**
 * true if PAM has a configuration for `service`. Linux-PAM reads /etc/pam.d/<service> (or the
 * vendor directory /usr/lib/pam.d) and ignores /etc/pam.conf entirely when /etc/pam.d exists.
 * Without one, PAM falls back to the `other` service, which normally refuses everyone — a
 * "wrong password" for every login, so this is checked up front.
 */
export function pamServiceExists(service: string): boolean {
  if (
    [`/etc/pam.d/${service}`, `/usr/lib/pam.d/${service}`, `/lib/pam.d/${service}`].some((f) =>
      existsSync(f),
    )
  )
    return true;
  if (existsSync('/etc/pam.d')) return false;
  try {
    return readFileSync('/etc/pam.conf', 'utf8')
      .split('\n')
      .some((l) => l.trim().split(/\s+/)[0] === service);
  } catch {
    return false;
  }
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** What this machine offers for PAM with `service`; `problems` is empty when PAM can run. */
export interface PamReadiness {
  backends: PamBackendName[];
  native: { ok: true } | { ok: false; reason: string };
  pamtester: string | null;
  serviceExists: boolean;
  /** Why PAM cannot run here (no backend; no service file; not Linux), each with its fix. */
  problems: Array<{ text: string; fix: string }>;
  /** What works only in part (binding missing but pamtester there; not root), each with its fix. */
  warnings: Array<{ topic: string; text: string; fix: string }>;
}

export async function pamReadiness(service: string): Promise<PamReadiness> {
  const n = await loadNativePam();
  const pamtester = findPamtester();
  const backends = await availablePamBackends();
  const serviceExists = process.platform === 'linux' && pamServiceExists(service);
  const problems: PamReadiness['problems'] = [];
  if (process.platform !== 'linux')
    problems.push({
      text: `this is ${process.platform}, and labhub's PAM support is for Linux`,
      fix: 'Run labhub on Linux for PAM.',
    });
  else {
    if (!backends.length)
      problems.push({
        text:
          `no PAM backend is available: the optional node-linux-pam binding could not be loaded (${n.ok ? 'unusable' : n.reason}) ` +
          `and pamtester is not installed (not on PATH ${searchPath()})`,
        fix: `Install a PAM backend: ${pamInstallHelp()}.`,
      });
    if (!serviceExists)
      problems.push({
        text: `the PAM service "${service}" has no /etc/pam.d/${service}, so PAM would refuse every login`,
        fix: `Set PAMAuthenticator.service to one of the files in /etc/pam.d (default login), or create /etc/pam.d/${service}.`,
      });
  }
  const warnings: PamReadiness['warnings'] = [];
  if (!n.ok && pamtester)
    warnings.push({
      topic: 'PAM binding',
      text: `the optional node-linux-pam binding could not be loaded (${n.reason}), so password checks run ${pamtester} (one process per login)`,
      fix: `To use the binding: ${pamInstallHelp().replace(/^.*?, or /, '')}.`,
    });
  if (process.getuid?.() !== 0 && !readable('/etc/shadow'))
    warnings.push({
      topic: 'root for PAM',
      text: `labhub is not root and cannot read /etc/shadow, so PAM can check only the password of ${userInfo().username}, the account labhub runs as`,
      fix: 'Run labhub as root to let every Linux user log in.',
    });
  return {
    backends,
    native: n.ok ? { ok: true } : { ok: false, reason: n.reason },
    pamtester,
    serviceExists,
    problems,
    warnings,
  };
}
