/**
 * Real Linux users and groups for tests (root only), in one place for every test file.
 *
 * - Names are random (`lt<tag><8 hex>`, at most 15 characters, so logs show them whole), so parallel test files, parallel runs and other
 *   programs on the machine do not collide; a name that is taken anyway is replaced by a new one.
 * - Accounts are made with `useradd`/`groupadd`, which pick the UID/GID while holding the passwd
 *   lock, never with `adduser` (it picks the UID first and then calls `useradd -u`, so another
 *   process can take that UID in between). A lock or id clash with a concurrent program is retried.
 * - Everything made is removed by `cleanup()` (call it in `after`), and again when the process
 *   exits or is stopped by a signal, so a failing or timed-out test leaves nothing behind. Before
 *   creating anything, each name is written to a registry file of this process
 *   (`<tmp>/labhub-test-accounts/<pid>.json`); accounts of a process that died without cleaning
 *   up (SIGKILL) are removed by the next test process that uses this helper.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const isRootLinux = process.platform === 'linux' && process.getuid?.() === 0;
/** For `test(..., { skip: needsRoot })`. */
export const needsRoot: string | false = isRootLinux
  ? false
  : 'needs root on Linux (CI runs as root)';

export interface LinuxUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** The password set with chpasswd, or '' when none was set (the account is then locked). */
  password: string;
}

export interface UserOptions {
  /** Primary group (`useradd -g`); default a new group named like the user (`-U`). */
  primaryGroup?: string;
  /** Supplementary groups (`useradd -G`). */
  groups?: string[];
  /** Create the home directory (`-m`); default false (`-M`, the home path is still set). */
  home?: boolean;
  /** Login shell; default /bin/sh. */
  shell?: string;
  /** The password to set; default a random one; false = no password. */
  password?: string | false;
}

interface Entry {
  kind: 'user' | 'group';
  name: string;
  /** userdel -r (the home was created by us or by the code under test). */
  removeHome?: boolean;
}

const REGISTRY_DIR = join(tmpdir(), 'labhub-test-accounts');
const registryFile = join(REGISTRY_DIR, `${process.pid}.json`);
/** Everything this process made or reserved and has not removed yet. */
const live: Entry[] = [];
let hooked = false;
let swept = false;

// Exit codes of shadow-utils worth retrying: 1/10 a passwd/group file could not be locked or
// updated (another program is writing it), 4 the UID/GID was taken meanwhile, 8 (userdel) a
// process of the user is still ending.
const TRANSIENT = new Set([1, 4, 8, 10]);
const NAME_TAKEN = 9;
const ATTEMPTS = 8;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function run(cmd: string, args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, {
    input,
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Run a shadow-utils command, retrying transient failures; returns the last result. */
function runRetrying(cmd: string, args: string[], input?: string): { code: number; out: string } {
  let r = run(cmd, args, input);
  for (let i = 1; i < ATTEMPTS && TRANSIENT.has(r.code); i++) {
    sleepMs(50 * 2 ** i + Math.floor(Math.random() * 50));
    r = run(cmd, args, input);
  }
  return r;
}

/**
 * Run another shadow-utils command on a test account (`chage`, `usermod`, `gpasswd`, …), retrying
 * while a concurrent program holds the passwd/shadow lock; throws when it still fails.
 */
export function shadowCommand(cmd: string, args: string[], input?: string): void {
  const r = runRetrying(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.out}`);
}

function exists(db: 'passwd' | 'group', name: string): boolean {
  return run('getent', [db, name]).code === 0;
}

function saveRegistry(): void {
  mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o700 });
  if (live.length) writeFileSync(registryFile, JSON.stringify(live));
  else rmSync(registryFile, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeUser(e: Entry): void {
  if (!exists('passwd', e.name)) return;
  const args = e.removeHome ? ['-r', e.name] : [e.name];
  const r = runRetrying('userdel', args);
  // 12: the home directory was already gone; the account itself is removed.
  if (r.code !== 0 && r.code !== 12) runRetrying('userdel', ['-f', ...args]);
}

function removeGroup(name: string): void {
  if (exists('group', name)) runRetrying('groupdel', [name]);
}

/**
 * Users first, then their user-private groups (useradd -U, when userdel left them), then the
 * groups: a group cannot be removed while it is the primary group of a remaining user.
 */
function removeEntries(entries: Entry[]): void {
  const users = entries.filter((x) => x.kind === 'user');
  const keepGoing = (f: () => void) => {
    try {
      f();
    } catch {
      /* remove as much as possible */
    }
  };
  for (const e of users) keepGoing(() => removeUser(e));
  for (const e of users) keepGoing(() => removeGroup(e.name));
  for (const e of entries.filter((x) => x.kind === 'group')) keepGoing(() => removeGroup(e.name));
}

/** Remove the accounts of test processes that died without cleaning up. */
function sweepDeadProcesses(): void {
  if (swept) return;
  swept = true;
  let files: string[] = [];
  try {
    files = readdirSync(REGISTRY_DIR);
  } catch {
    return;
  }
  for (const f of files) {
    const pid = Number(f.replace(/\.json$/, ''));
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    const path = join(REGISTRY_DIR, f);
    try {
      removeEntries(JSON.parse(readFileSync(path, 'utf8')) as Entry[]);
      rmSync(path, { force: true });
    } catch {
      /* another process is sweeping it, or it is unreadable: leave it */
    }
  }
}

function removeAll(entries: Entry[]): void {
  removeEntries(entries);
  for (const e of entries) {
    const i = live.indexOf(e);
    if (i >= 0) live.splice(i, 1);
  }
  saveRegistry();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => removeAll([...live]));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      removeAll([...live]);
      process.kill(process.pid, sig); // the default action, now that the handler is gone
    });
}

function track(e: Entry): void {
  if (!isRootLinux) throw new Error('Linux test accounts need root on Linux (CI runs as root).');
  hookExit();
  sweepDeadProcesses();
  live.push(e);
  saveRegistry(); // before the account exists: a crash right after creating it still leaves a record
}

/** The accounts of one test file (or one test). */
export class LinuxAccounts {
  private readonly mine: Entry[] = [];

  /** `tag`: 1-5 lower-case letters naming the test file, shown in every name (e.g. 'pam'). */
  constructor(private readonly tag: string) {
    if (!/^[a-z]{1,5}$/.test(tag)) throw new Error(`tag must be 1-5 lower-case letters: ${tag}`);
  }

  private freshName(): string {
    return `lt${this.tag}${randomBytes(4).toString('hex')}`;
  }

  private make(kind: Entry['kind'], extra: Partial<Entry>, create: (name: string) => number) {
    for (let attempt = 1; ; attempt++) {
      const e: Entry = { kind, name: this.freshName(), ...extra };
      track(e);
      this.mine.push(e);
      const code = create(e.name);
      if (code === 0) return e.name;
      // Taken by someone else: not ours to remove. Any other failure keeps the entry, so that
      // cleanup() removes whatever a half-finished command left under our random name.
      if (code !== NAME_TAKEN) return null;
      this.forget(e);
      if (attempt >= ATTEMPTS) return null;
    }
  }

  private forget(e: Entry): void {
    this.mine.splice(this.mine.indexOf(e), 1);
    live.splice(live.indexOf(e), 1);
    saveRegistry();
  }

  /** A new group; returns its name. */
  group(): string {
    let last = '';
    const name = this.make('group', {}, (n) => {
      const r = runRetrying('groupadd', [n]);
      last = r.out;
      return r.code;
    });
    if (!name) throw new Error(`groupadd failed: ${last}`);
    return name;
  }

  /** A new user (see {@link UserOptions}); returns its name, ids, home and password. */
  user(opts: UserOptions = {}): LinuxUser {
    let last = '';
    const name = this.make('user', { removeHome: !!opts.home }, (n) => {
      const r = runRetrying('useradd', [
        opts.home ? '-m' : '-M',
        '-s',
        opts.shell ?? '/bin/sh',
        ...(opts.primaryGroup ? ['-g', opts.primaryGroup] : ['-U']),
        ...(opts.groups?.length ? ['-G', opts.groups.join(',')] : []),
        n,
      ]);
      last = r.out;
      return r.code;
    });
    if (!name) throw new Error(`useradd failed: ${last}`);
    const password =
      opts.password === false ? '' : (opts.password ?? `pw-${randomBytes(6).toString('hex')}`);
    if (password) {
      const r = runRetrying('chpasswd', [], `${name}:${password}\n`);
      if (r.code !== 0) throw new Error(`chpasswd for ${name} failed: ${r.out}`);
    }
    const [, , uid, gid, , home] = run('getent', ['passwd', name]).out.split(':');
    return { name, uid: Number(uid), gid: Number(gid), home: home ?? '', password };
  }

  /**
   * A fresh unused name for a user that the code under test creates itself (e.g. with
   * `adduser`); it is removed with the others, home included.
   */
  reserveName(): string {
    for (;;) {
      const name = this.freshName();
      if (exists('passwd', name) || exists('group', name)) continue;
      const e: Entry = { kind: 'user', name, removeHome: true };
      track(e);
      this.mine.push(e);
      return name;
    }
  }

  /**
   * Take charge of a user that something else creates under a name of ours (e.g.
   * `${reserveName()}1`): it is removed with the others, home included.
   */
  adopt(name: string): string {
    const e: Entry = { kind: 'user', name, removeHome: true };
    track(e);
    this.mine.push(e);
    return name;
  }

  /** Remove every user and group made or reserved through this object (users first). */
  cleanup(): void {
    removeAll(this.mine.splice(0));
  }
}
