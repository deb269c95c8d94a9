/**
 * One PAM check of a username and password (`pam_authenticate` + `pam_acct_mgmt`, so expired and
 * locked accounts are refused) through one of the backends of pam-backends.ts, with a cap on
 * concurrent checks: a failed login holds a libuv pool thread (native) or a process (pamtester)
 * for pam_faildelay's ~3 s.
 */
import { accessSync, constants } from 'node:fs';
import { userInfo } from 'node:os';
import { HubError, isHubError } from '../errors.js';
import { logName } from './options.js';
import { run } from './system-users.js';
import {
  availablePamBackends,
  findPamtester,
  loadNativePam,
  pamInstallHelp,
  pamServiceExists,
  type PamBackendName,
} from './pam-backends.js';

/** Outcome of one PAM check: ok, or refused with the PAM reason (for the log). */
/**
 * Outcome of one PAM check: ok, or refused with the PAM reason (for the log). A refusal with
 * `passwordChangeRequired` had the right password, but account management asks for a new one
 * (PAM_NEW_AUTHTOK_REQD); it is still a refusal for anyone who does not handle it.
 */
export type PamCheckResult =
  { ok: true } | { ok: false; reason: string; passwordChangeRequired?: boolean };

const PAM_NEW_AUTHTOK_REQD = 12;

export interface PamCheckOptions {
  service?: string;
  encoding?: BufferEncoding;
  checkAccount?: boolean;
  remoteHost?: string;
  /** Use this backend instead of the automatic choice. */
  backend?: PamBackendName;
}

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

let forced: PamBackendName | null = null;
let chosen: Promise<PamBackendName | null> | undefined;

/** Force a backend (tests), or `null` to go back to the automatic choice. */
export function forcePamBackend(backend: PamBackendName | null): void {
  forced = backend;
  chosen = undefined;
}

async function chooseBackend(preferPamtester: boolean): Promise<PamBackendName> {
  if (forced) return forced;
  if (preferPamtester && findPamtester()) return 'pamtester';
  chosen ??= availablePamBackends().then((b) => b[0] ?? null);
  const b = await chosen;
  if (!b) {
    const n = await loadNativePam();
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage:
          `No PAM backend: node-linux-pam could not be loaded (${n.ok ? 'unusable' : n.reason}) and pamtester ` +
          `is not installed. Install one: ${pamInstallHelp()}.`,
      },
    );
  }
  return b;
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
  const loaded = await loadNativePam();
  if (!loaded.ok)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      'Login is not possible right now: the hub cannot check passwords.',
      {
        logMessage: `The PAM backend "native" was requested but node-linux-pam cannot be loaded (${loaded.reason}). ${pamInstallHelp()}.`,
      },
    );
  const mod = loaded.module;
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
      // The binding reaches pam_acct_mgmt only after pam_authenticate accepted the password.
      ...(code === PAM_NEW_AUTHTOK_REQD ? { passwordChangeRequired: true } : {}),
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
  // pamtester runs the steps in order and stops at the first failure: "successfully
  // authenticated" followed by the new-token refusal means the password was right.
  const passwordChangeRequired =
    checkAccount &&
    /successfully authenticated/.test(r.stdout) &&
    /new one required/i.test(r.stderr);
  return {
    ...(passwordChangeRequired ? { passwordChangeRequired } : {}),
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
