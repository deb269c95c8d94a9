/**
 * `LocalAuthenticator.create_system_users`: create the Linux account of a hub user when it is
 * missing, with `add_user_cmd`. The name is checked against a strict Linux username pattern
 * before anything runs, and the command runs as an argv array (never through a shell).
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import type { Logger } from '../log.js';
import { HubError } from '../errors.js';
import { logName, readBool } from './options.js';

/** Names `useradd`/`adduser` accept on every distribution (no leading `-`, no dots, ≤ 32). */
export const LINUX_USERNAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

const DEBIAN_ADDUSER = ['adduser', '-q', '--gecos', '', '--disabled-password', 'USERNAME'];
const USERADD = ['useradd', '-m', 'USERNAME'];

/** Run a program without a shell; resolves with exit code and output (never rejects on exit code). */
export function run(
  file: string,
  args: string[],
  opts: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        timeout: opts.timeoutMs ?? 30_000,
        env: opts.env ?? { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
        maxBuffer: 1 << 20,
      },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        const spawnFailed = err && typeof err.code === 'string';
        resolve({
          code: spawnFailed ? null : err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
          ...(spawnFailed ? { error: err } : {}),
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** true if the system knows the user (NSS: /etc/passwd, LDAP, …). */
export async function systemUserExists(name: string): Promise<boolean> {
  const r = await run('getent', ['passwd', name]);
  if (r.error)
    throw new HubError(
      'LABHUB_ERR_SYSTEM_USER',
      500,
      `Cannot look up Linux users: getent failed (${r.error.message}).`,
    );
  return r.code === 0;
}

/**
 * The default `add_user_cmd`: Debian's `adduser` when it is the real Debian tool (on CentOS and
 * Amazon Linux `adduser` is a link to `useradd`, which rejects `-q`), else `useradd -m`.
 */
export function defaultAddUserCmd(): string[] {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin']) {
    const p = `${dir}/adduser`;
    if (!existsSync(p)) continue;
    try {
      if (!realpathSync(p).endsWith('/useradd')) return [...DEBIAN_ADDUSER];
    } catch {
      /* unreadable link: fall through to useradd */
    }
  }
  return [...USERADD];
}

export interface SystemUserManager {
  readonly enabled: boolean;
  /** Make sure the Linux account exists: create it if allowed, else throw LABHUB_ERR_SYSTEM_USER. */
  ensureUser(name: string): Promise<'exists' | 'created'>;
}

/**
 * Options: `create_system_users` (false), `add_user_cmd` (list of strings; `USERNAME` is replaced,
 * or the name is appended when absent), `uids` (name → uid, passed as `--uid`/`-u` to the defaults).
 */
export function createSystemUserManager(
  options: Record<string, unknown>,
  log?: Logger,
): SystemUserManager {
  const W = 'LocalAuthenticator';
  const enabled = readBool(options, 'create_system_users', false, W);
  const configured = options.add_user_cmd;
  let cmd: string[] | null = null;
  // An empty list (the config default) means: use the platform's default command.
  if (
    configured !== undefined &&
    configured !== null &&
    !(Array.isArray(configured) && configured.length === 0)
  ) {
    if (
      !Array.isArray(configured) ||
      configured.length === 0 ||
      configured.some((a) => typeof a !== 'string')
    )
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `LocalAuthenticator.add_user_cmd must be a non-empty list of strings (e.g. ["useradd", "-m", "USERNAME"]), but it is ${JSON.stringify(configured).slice(0, 80)}.`,
      );
    cmd = configured as string[];
  }
  const uidsRaw = options.uids;
  const uids = new Map<string, number>();
  if (uidsRaw && typeof uidsRaw === 'object')
    for (const [k, v] of Object.entries(uidsRaw as Record<string, unknown>))
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) uids.set(k, v);

  async function ensureUser(name: string): Promise<'exists' | 'created'> {
    if (!LINUX_USERNAME_RE.test(name))
      throw new HubError(
        'LABHUB_ERR_SYSTEM_USER',
        400,
        `The username "${logName(name)}" is not a valid Linux account name (expected lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters).`,
      );
    if (await systemUserExists(name)) return 'exists';
    if (!enabled)
      throw new HubError(
        'LABHUB_ERR_SYSTEM_USER',
        400,
        `The Linux user "${name}" does not exist on this system. Create it (useradd -m ${name}) or set LocalAuthenticator.create_system_users: true.`,
      );
    const base = cmd ?? defaultAddUserCmd();
    let argv = base.includes('USERNAME')
      ? base.map((a) => (a === 'USERNAME' ? name : a))
      : [...base, name];
    const uid = uids.get(name);
    if (uid !== undefined && !cmd)
      argv = [argv[0]!, argv[0] === 'useradd' ? '-u' : '--uid', String(uid), ...argv.slice(1)];
    log?.info({ argv }, `creating Linux user ${name}`);
    const r = await run(argv[0]!, argv.slice(1), { timeoutMs: 60_000 });
    if (r.code !== 0) {
      const why = r.error
        ? r.error.message
        : `exit code ${r.code}: ${r.stderr.trim().slice(0, 300)}`;
      throw new HubError(
        'LABHUB_ERR_SYSTEM_USER',
        500,
        `Could not create the Linux user "${name}".`,
        {
          logMessage:
            `add_user_cmd ${JSON.stringify(argv)} failed (${why}). Creating users needs root; check ` +
            'LocalAuthenticator.add_user_cmd for this distribution (e.g. ["useradd", "-m", "USERNAME"]).',
        },
      );
    }
    return 'created';
  }

  return { enabled, ensureUser };
}
