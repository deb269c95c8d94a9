/**
 * `LocalAuthenticator.create_system_users`: create the Linux account of a hub user when it is
 * missing, with `add_user_cmd`. The name is checked against a strict Linux username pattern
 * before anything runs, and the command runs as an argv array (never through a shell).
 *
 * Creation survives other programs creating accounts at the same time: Debian's `adduser` picks
 * a free UID and then runs `useradd -u UID`, so a parallel `useradd` can take that UID first
 * ("UID 1005 is not unique"). Such failures are retried a few times, after removing the group
 * the failed attempt left behind. A home made by the default command is private (0700).
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { chmod, lstat, readFile } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { HubError } from '../errors.js';
import { z } from 'zod';
import { logName } from './options.js';
import { parsePluginOptions } from '../plugins/options.js';

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

/** A Linux account as NSS reports it (`getent passwd`), or null when there is none. */
export async function systemUserEntry(
  name: string,
): Promise<{ uid: number; gid: number; home: string } | null> {
  const r = await run('getent', ['passwd', name]);
  if (r.code !== 0) return null;
  const f = r.stdout.trim().split('\n')[0]!.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' };
}

async function groupExists(name: string): Promise<boolean> {
  return (await run('getent', ['group', name])).code === 0;
}

/** Failures that another program creating accounts at the same time can cause: worth a retry. */
const RACE_FAILURE =
  /\b(?:UID|GID) '?\d+'? (?:is not unique|already exists)|cannot lock|try again later/i;
/** Attempts in all for one account when the failure looks like a race (see RACE_FAILURE). */
export const CREATE_ATTEMPTS = 8;

/**
 * A random pause that grows with each attempt (about 0.1–0.3 s times `n`), so two colliding
 * creators do not collide again in step and a burst of account creation elsewhere can end.
 */
const pause = (n = 1) =>
  new Promise((res) => setTimeout(res, n * (100 + Math.floor(Math.random() * 200))));

/**
 * Remove the memberless group `name` that a failed creation left behind. groupdel itself can
 * find /etc/group locked by the other program, so it is tried a few times. The other program's
 * `useradd` may even have given its new user the same GID as a primary group (both picked it at
 * once); then groupdel refuses, and `--force` removes only our name while the other user's own
 * group keeps that GID.
 */
async function removeLeftoverGroup(name: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const g = await run('getent', ['group', name]);
    const [, , gid, members] = g.stdout.trim().split(':');
    if (g.code !== 0 || members) return; // gone, or someone's real group
    const del = await run('groupdel', [name]);
    if (del.code === 0) return;
    if (/primary group/.test(del.stderr) && gid && (await otherGroupHasGid(name, gid))) {
      if ((await run('groupdel', ['--force', name])).code === 0) return;
    }
    await pause();
  }
}

/** true if /etc/group has another group than `name` with this GID. */
async function otherGroupHasGid(name: string, gid: string): Promise<boolean> {
  try {
    return (await readFile('/etc/group', 'utf8')).split('\n').some((l) => {
      const f = l.split(':');
      return f[0] !== name && f[2] === gid;
    });
  } catch {
    return false;
  }
}

/**
 * The home directory of a just-created account becomes 0700, so other users cannot read it
 * (`useradd -m` follows UMASK and makes it 0755). Only a real directory owned by the account
 * is changed; a symlink or someone else's directory is left alone.
 */
async function makeHomePrivate(name: string, log?: Logger): Promise<void> {
  const entry = await systemUserEntry(name);
  if (!entry?.home || entry.home === '/') return;
  try {
    const st = await lstat(entry.home);
    if (st.isDirectory() && !st.isSymbolicLink() && st.uid === entry.uid)
      await chmod(entry.home, 0o700);
  } catch (e) {
    log?.warn(`Could not make the home ${entry.home} of ${name} private: ${(e as Error).message}`);
  }
}

export interface EnsureUserOptions {
  /**
   * Create a missing account even when `create_system_users` is off (an admin asked for it
   * explicitly, e.g. `labhub --admin NAME` or the admin page's one-time-password option).
   */
  create?: boolean;
}

export interface SystemUserManager {
  readonly enabled: boolean;
  /**
   * Make sure the Linux account exists: create it if allowed (`create_system_users`, or
   * `opts.create`), else throw LABHUB_ERR_SYSTEM_USER (400) with the commands that fix it.
   */
  ensureUser(name: string, opts?: EnsureUserOptions): Promise<'exists' | 'created'>;
}

/**
 * Options: `create_system_users` (false), `add_user_cmd` (list of strings; `USERNAME` is replaced,
 * or the name is appended when absent), `uids` (name → uid, passed as `--uid`/`-u` to the defaults).
 */
export function createSystemUserManager(
  options: Record<string, unknown>,
  log?: Logger,
): SystemUserManager {
  const enabled =
    parsePluginOptions(
      z.object({ create_system_users: z.boolean().nullish() }),
      options,
      'LocalAuthenticator',
    ).create_system_users ?? false;
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

  function argvFor(name: string): string[] {
    const base = cmd ?? defaultAddUserCmd();
    let argv = base.includes('USERNAME')
      ? base.map((a) => (a === 'USERNAME' ? name : a))
      : [...base, name];
    const uid = uids.get(name);
    if (uid !== undefined && !cmd)
      argv = [argv[0]!, argv[0] === 'useradd' ? '-u' : '--uid', String(uid), ...argv.slice(1)];
    return argv;
  }

  /** Run the command, retrying failures caused by a parallel account creation elsewhere. */
  async function create(name: string): Promise<void> {
    const argv = argvFor(name);
    // A group of this name that appears only during our attempts is what a failed adduser left.
    const groupBefore = await groupExists(name);
    for (let attempt = 1; ; attempt++) {
      log?.info({ argv }, `creating Linux user ${name}`);
      const r = await run(argv[0]!, argv.slice(1), { timeoutMs: 60_000 });
      if (r.code === 0) return;
      const text = `${r.stderr}\n${r.stdout}`;
      const why = r.error ? r.error.message : `exit code ${r.code}: ${text.trim().slice(0, 300)}`;
      const raced =
        !r.error &&
        (RACE_FAILURE.test(text) || (!groupBefore && /group .* already exists/i.test(text)));
      // The same name made elsewhere meanwhile is not ours to use (nor to set a password on).
      if (raced && attempt < CREATE_ATTEMPTS && !(await systemUserExists(name))) {
        // adduser makes the user-private group before useradd fails: remove it, or the next
        // attempt stops at "The group already exists".
        if (!groupBefore) await removeLeftoverGroup(name);
        log?.warn(
          `creating Linux user ${name} collided with another account creation (${why}); retrying (${attempt + 1} of ${CREATE_ATTEMPTS})`,
        );
        await pause(attempt);
        continue;
      }
      throw new HubError(
        'LABHUB_ERR_SYSTEM_USER',
        500,
        `Could not create the Linux user "${name}".`,
        {
          logMessage:
            `add_user_cmd ${JSON.stringify(argv)} failed (${why})${attempt > 1 ? ` after ${attempt} attempts` : ''}. Creating users needs root; check ` +
            'LocalAuthenticator.add_user_cmd for this distribution (e.g. ["useradd", "-m", "USERNAME"]).',
        },
      );
    }
  }

  async function ensureUser(
    name: string,
    opts: EnsureUserOptions = {},
  ): Promise<'exists' | 'created'> {
    if (!LINUX_USERNAME_RE.test(name))
      throw new HubError(
        'LABHUB_ERR_SYSTEM_USER',
        400,
        `The username "${logName(name)}" is not a valid Linux account name (expected lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters).`,
      );
    if (await systemUserExists(name)) return 'exists';
    if (!enabled && !opts.create) throw missingUserError(name);
    await create(name);
    // The operator's own add_user_cmd decides the home's mode; the defaults make it private.
    if (!cmd) await makeHomePrivate(name, log);
    return 'created';
  }

  return { enabled, ensureUser };
}

/**
 * A hub user without a Linux account. The fix must let the person log in: an account made with
 * plain `useradd` has no password (PAM refuses every login) and, on Debian, a home others can read.
 */
export function missingUserError(name: string): HubError {
  return new HubError(
    'LABHUB_ERR_SYSTEM_USER',
    400,
    `The Linux user "${name}" does not exist on this system, so ${name} could not log in. ` +
      `Create it with a password and a private home: as root, run useradd -m ${name} && chmod 700 /home/${name} && passwd ${name}` +
      ` — or, when labhub runs as root, add the user on the admin page with "Create the Linux accounts with one-time passwords" ticked.`,
  );
}
