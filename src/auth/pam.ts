/**
 * The `pam` authenticator: Linux accounts checked by PAM (`pam_authenticate` + `pam_acct_mgmt`,
 * so expired and locked accounts are refused), like JupyterHub's PAMAuthenticator.
 *
 * Two backends, chosen at first use:
 * - `native`: node-linux-pam (optional dependency, loaded lazily). It runs PAM on the libuv thread
 *   pool, so pam_faildelay's ~3 s on a failed login does not block the event loop; calls are capped
 *   so failed logins cannot occupy every pool thread (file and crypto work share that pool).
 *   It always runs account management and sends the password as UTF-8.
 * - `pamtester`: Debian's `pamtester` (no native code), one process per check, password on stdin
 *   (never argv). Used when the binding is missing, or when `check_account: false` or a non-UTF-8
 *   `encoding` asks for something the binding cannot do.
 *
 * Options (PAMAuthenticator traits): `service` ('login'), `encoding` ('utf8'), `check_account`
 * (true), `open_sessions` (false, as in JupyterHub ≥ 2.2), plus LocalAuthenticator's
 * `create_system_users`, `add_user_cmd`, `uids` (see system-users.ts). Allow/admin options
 * (`allowed_groups`, `admin_groups`, …) are applied by policy.ts, not here.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Logger } from '../log.js';
import type { Authenticator, AuthenticatorDefinition, AuthResult, LoginInput } from './types.js';
import { HubError, isHubError } from '../errors.js';
import { logName, readBool, readString } from './options.js';
import { normalizeBasic, validateBasic } from './policy.js';
import { createSystemUserManager, run } from './system-users.js';

export type PamBackendName = 'native' | 'pamtester';

/** Outcome of one PAM check: ok, or refused with the PAM reason (for the log). */
export type PamCheckResult = { ok: true } | { ok: false; reason: string };

export interface PamCheckOptions {
  service?: string;
  encoding?: BufferEncoding;
  checkAccount?: boolean;
  remoteHost?: string;
  /** Use this backend instead of the automatic choice. */
  backend?: PamBackendName;
}

/** Where Debian installs pamtester; PATH is searched too. */
export const PAMTESTER_PATHS = [
  '/usr/bin/pamtester',
  '/usr/local/bin/pamtester',
  '/usr/sbin/pamtester',
];

const PAM_CODE_NAMES: Record<number, string> = {
  1: 'PAM_OPEN_ERR',
  2: 'PAM_SYMBOL_ERR',
  3: 'PAM_SERVICE_ERR',
  4: 'PAM_SYSTEM_ERR',
  5: 'PAM_BUF_ERR',
  6: 'PAM_PERM_DENIED',
  7: 'PAM_AUTH_ERR',
  8: 'PAM_CRED_INSUFFICIENT',
  9: 'PAM_AUTHINFO_UNAVAIL',
  10: 'PAM_USER_UNKNOWN',
  11: 'PAM_MAXTRIES',
  12: 'PAM_NEW_AUTHTOK_REQD',
  13: 'PAM_ACCT_EXPIRED',
  16: 'PAM_CRED_EXPIRED',
  19: 'PAM_CONV_ERR',
  26: 'PAM_ABORT',
  27: 'PAM_AUTHTOK_EXPIRED',
  28: 'PAM_MODULE_UNKNOWN',
};
/** Codes that mean PAM itself is broken (not "wrong password"): surfaced as LABHUB_ERR_PAM. */
const BROKEN_CODES = new Set([1, 2, 3, 4, 5, 26, 28]);
const BROKEN_TEXT =
  /system error|module is unknown|symbol not found|error in service module|critical error|dlopen|memory buffer/i;

type NativePam = { pamAuthenticatePromise(o: Record<string, string>): Promise<number> };
let nativeModule: Promise<NativePam | null> | undefined;
let forced: PamBackendName | null = null;
let chosen: Promise<PamBackendName | null> | undefined;

/** Force a backend (tests), or `null` to go back to the automatic choice. */
export function forcePamBackend(backend: PamBackendName | null): void {
  forced = backend;
  chosen = undefined;
}

function loadNative(): Promise<NativePam | null> {
  // A variable specifier keeps TypeScript from requiring the optional package at build time.
  const spec = 'node-linux-pam';
  nativeModule ??= import(spec).then(
    (m: { pamAuthenticatePromise?: unknown; default?: { pamAuthenticatePromise?: unknown } }) => {
      const fn = m.pamAuthenticatePromise ?? m.default?.pamAuthenticatePromise;
      return typeof fn === 'function' ? ({ pamAuthenticatePromise: fn } as NativePam) : null;
    },
    () => null,
  );
  return nativeModule;
}

/** The pamtester executable, or null. */
export function findPamtester(): string | null {
  for (const p of PAMTESTER_PATHS) if (existsSync(p)) return p;
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(`${dir}/pamtester`)) return `${dir}/pamtester`;
  return null;
}

/** Which backends can run here (native: the binding loads; pamtester: the program exists). */
export async function availablePamBackends(): Promise<PamBackendName[]> {
  const out: PamBackendName[] = [];
  if (await loadNative()) out.push('native');
  if (findPamtester()) out.push('pamtester');
  return out;
}

async function chooseBackend(preferPamtester: boolean): Promise<PamBackendName> {
  if (forced) return forced;
  if (preferPamtester && findPamtester()) return 'pamtester';
  chosen ??= availablePamBackends().then((b) => b[0] ?? null);
  const b = await chosen;
  if (!b)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage:
          'No PAM backend: the optional package node-linux-pam is not installed (npm install node-linux-pam; needs ' +
          'libpam0g-dev and a compiler) and pamtester is not on PATH (apt-get install pamtester).',
      },
    );
  return b;
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

/** Throws LABHUB_ERR_PAM when PAM cannot give a meaningful answer for this user at all. */
function preflight(service: string, name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(service) || service.startsWith('.'))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `PAMAuthenticator.service must be a PAM service name like "login", but it is ${JSON.stringify(service)}.`,
    );
  if (!pamServiceExists(service))
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage:
          `The PAM service "${service}" has no file /etc/pam.d/${service}, so PAM would refuse every login. ` +
          `Set PAMAuthenticator.service to an existing service (ls /etc/pam.d) or create /etc/pam.d/${service}.`,
      },
    );
  if (process.getuid?.() !== 0) {
    let shadowReadable = false;
    try {
      accessSync('/etc/shadow', constants.R_OK);
      shadowReadable = true;
    } catch {
      /* not readable */
    }
    const self = userInfo().username;
    if (!shadowReadable && name !== self)
      throw new HubError(
        'LABHUB_ERR_PAM',
        500,
        'Login is not possible right now: the hub cannot check passwords.',
        {
          logMessage:
            `labhub runs as "${self}" (not root) and cannot read /etc/shadow, so PAM can only check ${self}'s own ` +
            `password, not "${logName(name)}"'s. Run labhub as root, add "${self}" to group shadow, or use ` +
            'JupyterHub.authenticator_class: native.',
        },
      );
  }
}

/**
 * At most `limit` PAM checks of one backend at once, and at most `maxQueue` waiting: a failed check
 * holds a pool thread (native) or a process (pamtester) for ~3 s, so a flood must not pile up.
 * Beyond the queue the attempt is refused with 429 instead of waiting.
 */
function slots(limit: number, maxQueue: number) {
  let active = 0;
  const waiters: Array<() => void> = [];
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= limit) {
      if (waiters.length >= maxQueue)
        throw new HubError(
          'LABHUB_ERR_TOO_MANY_REQUESTS',
          429,
          'The hub is busy checking logins. Try again in a few seconds.',
          {
            headers: { 'Retry-After': '5' },
            logMessage: `PAM: ${active} checks running and ${waiters.length} waiting; refusing more`,
          },
        );
      await new Promise<void>((r) => waiters.push(r));
    }
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiters.shift()?.();
    }
  };
}
// Native checks share libuv's pool (default 4 threads) with file and crypto work: leave 2 free.
const withNativeSlot = slots(Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2), 64);
const withPamtesterSlot = slots(16, 64);

async function checkNative(
  name: string,
  password: string,
  service: string,
  remoteHost?: string,
): Promise<PamCheckResult> {
  const mod = await loadNative();
  if (!mod)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage:
          'The PAM backend "native" was requested but node-linux-pam cannot be loaded (npm install node-linux-pam).',
      },
    );
  const opts: Record<string, string> = { username: name, password, serviceName: service };
  if (remoteHost) opts.remoteHost = remoteHost;
  try {
    await withNativeSlot(() => mod.pamAuthenticatePromise(opts));
    return { ok: true };
  } catch (e) {
    if (isHubError(e)) throw e;
    const code = (e as { code?: unknown }).code;
    const msg = (e as Error).message ?? String(e);
    if (typeof code === 'number' && BROKEN_CODES.has(code))
      throw new HubError(
        'LABHUB_ERR_PAM',
        500,
        'Login is not possible right now: the hub cannot check passwords.',
        {
          logMessage: `PAM service "${service}" failed with ${PAM_CODE_NAMES[code] ?? code} (${msg}). Check /etc/pam.d/${service} and the system log.`,
        },
      );
    return {
      ok: false,
      reason: `${typeof code === 'number' ? (PAM_CODE_NAMES[code] ?? `PAM code ${code}`) : 'PAM error'}: ${msg}`,
    };
  }
}

async function checkPamtester(
  name: string,
  password: string,
  service: string,
  encoding: BufferEncoding,
  checkAccount: boolean,
  remoteHost?: string,
): Promise<PamCheckResult> {
  const exe = findPamtester();
  if (!exe)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage:
          'The PAM backend "pamtester" was requested but pamtester is not installed (apt-get install pamtester).',
      },
    );
  // pamtester reads one line per prompt, so a password with a line break cannot be sent faithfully.
  if (/[\r\n]/.test(password))
    return { ok: false, reason: 'the password contains a line break (refused with pamtester)' };
  const args: string[] = [];
  if (remoteHost && /^[0-9A-Fa-f:.]+$/.test(remoteHost)) args.push('-I', `rhost=${remoteHost}`);
  args.push(service, name, 'authenticate');
  if (checkAccount) args.push('acct_mgmt');
  const r = await withPamtesterSlot(() =>
    run(exe, args, { input: Buffer.from(`${password}\n`, encoding), timeoutMs: 30_000 }),
  );
  if (r.error)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage: `Could not run ${exe}: ${r.error.message}`,
      },
    );
  if (r.code === 0) return { ok: true };
  const text = `${r.stderr}\n${r.stdout}`.replace(/Password:\s*/g, '').trim();
  if (BROKEN_TEXT.test(text))
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage: `pamtester for PAM service "${service}" failed: ${text.slice(0, 300)}. Check /etc/pam.d/${service}.`,
      },
    );
  return {
    ok: false,
    reason:
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' / ')
        .slice(0, 300) || `exit code ${r.code}`,
  };
}

/**
 * Check one username/password with PAM (authenticate, then account management unless
 * `checkAccount` is false). Resolves `{ok:false}` for refused credentials or accounts; throws
 * HubError LABHUB_ERR_PAM when PAM cannot check at all (no backend, missing service file, not
 * root for another user's password, broken PAM stack).
 */
export async function pamCheck(
  name: string,
  password: string,
  opts: PamCheckOptions = {},
): Promise<PamCheckResult> {
  const service = opts.service ?? 'login';
  const encoding = opts.encoding ?? 'utf8';
  const checkAccount = opts.checkAccount ?? true;
  preflight(service, name);
  const backend =
    opts.backend ?? (await chooseBackend(!checkAccount || !/^utf-?8$/i.test(encoding)));
  if (backend === 'native') return checkNative(name, password, service, opts.remoteHost);
  return checkPamtester(name, password, service, encoding, checkAccount, opts.remoteHost);
}

/**
 * All groups of a Linux user: the primary group (passwd gid, e.g. from `useradd -g jupyter`) AND
 * the supplementary groups, through NSS (`id -Gn`). An unknown user has no groups ([]).
 */
export async function groupsOfUser(name: string): Promise<string[]> {
  if (!validateBasic(name).ok || name.startsWith('-')) return [];
  const r = await run('id', ['-Gn', '--', name]);
  if (r.error)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      `Cannot read the groups of "${logName(name)}": ${r.error.message}`,
    );
  if (r.code !== 0) return [];
  return [...new Set(r.stdout.trim().split(/\s+/).filter(Boolean))];
}

/** The PAM authenticator instance: the contract plus PAM session hooks for the spawner. */
export interface PamAuthenticator extends Authenticator {
  /** When `open_sessions` is on: open a PAM session for the user (before spawn). Never throws. */
  openSession(name: string): Promise<void>;
  /** When `open_sessions` is on: close it (after stop). Never throws. */
  closeSession(name: string): Promise<void>;
}

function isEncoding(e: string): e is BufferEncoding {
  return Buffer.isEncoding(e);
}

function createPam(options: Record<string, unknown>, log: Logger): PamAuthenticator {
  const W = 'PAMAuthenticator';
  const service = readString(options, 'service', 'login', W);
  const encodingRaw = readString(options, 'encoding', 'utf8', W).toLowerCase();
  const encoding = encodingRaw === 'utf-8' ? 'utf8' : encodingRaw;
  if (!isEncoding(encoding))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `PAMAuthenticator.encoding must be an encoding like "utf8" or "latin1", but it is ${JSON.stringify(encodingRaw)}.`,
    );
  const checkAccount = readBool(options, 'check_account', true, W);
  let openSessions = readBool(options, 'open_sessions', false, W);
  const systemUsers = createSystemUserManager(options, log);

  async function session(op: 'open_session' | 'close_session', name: string): Promise<void> {
    if (!openSessions) return;
    const exe = findPamtester();
    const r = exe ? await run(exe, [service, name, op], { timeoutMs: 30_000 }) : null;
    if (!r || r.code !== 0) {
      // As in JupyterHub: a failing session setup turns sessions off instead of blocking spawns.
      openSessions = false;
      log.warn(
        `PAM ${op} for ${logName(name)} failed (${r ? r.stderr.trim().slice(0, 200) : 'pamtester not installed'}); ` +
          'PAMAuthenticator.open_sessions is now off. Fix /etc/pam.d/' +
          service +
          ' session rules or set open_sessions: false.',
      );
    }
  }

  return {
    description: `PAM (service ${service})`,
    normalizeUsername: normalizeBasic,
    async authenticate(input: LoginInput): Promise<AuthResult | null> {
      const name = normalizeBasic(input.username ?? '');
      const password = input.password ?? '';
      if (!validateBasic(name).ok || name.startsWith('-')) {
        log.info(`PAM: refused invalid username "${logName(name)}"`);
        return null;
      }
      // An empty password could match a password-less account (pam_unix nullok): never accept it.
      if (password.length === 0 || password.includes('\0')) return null;
      const r = await pamCheck(name, password, {
        service,
        encoding,
        checkAccount,
        remoteHost: input.remoteAddr,
      });
      if (!r.ok) {
        log.info(`PAM: login refused for "${logName(name)}": ${r.reason}`);
        return null;
      }
      let groups: string[] | undefined;
      try {
        groups = await groupsOfUser(name);
      } catch {
        groups = undefined; // policy will ask again through its callback
      }
      return groups ? { name, groups } : { name };
    },
    async addUser(name: string): Promise<void> {
      await systemUsers.ensureUser(name);
    },
    openSession: (name) => session('open_session', name),
    closeSession: (name) => session('close_session', name),
  };
}

/** The `pam` plugin. */
export const pamAuthenticatorDefinition: AuthenticatorDefinition = {
  id: 'pam',
  aliases: ['pam', 'pamauthenticator', 'PAMAuthenticator', 'jupyterhub.auth.PAMAuthenticator'],
  configClasses: ['Authenticator', 'LocalAuthenticator', 'PAMAuthenticator'],
  create: (ctx) => createPam(ctx.options, ctx.log),
};
