/**
 * Linux account helpers for local spawners: passwd lookup (through `getent`, so NSS sources
 * such as LDAP/SSSD count) and creating directories owned by a user.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { userInfo } from 'node:os';

/** One passwd entry. */
export interface UnixUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Looks a Linux account up with `getent passwd NAME`; null when it does not exist. */
export function lookupUnixUser(name: string): Promise<UnixUser | null> {
  return new Promise((resolvePromise) => {
    // A name starting with '-' would be read as an option; such names are never accounts.
    if (!name || name.startsWith('-') || /[:\n]/.test(name)) return resolvePromise(null);
    execFile('getent', ['passwd', name], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolvePromise(null);
      const f = stdout.trim().split('\n')[0]?.split(':') ?? [];
      if (f.length < 7 || f[0] !== name) return resolvePromise(null);
      resolvePromise({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] });
    });
  });
}

/** The hub's own account (USER/HOME/SHELL for servers run as the hub's user). */
export function currentUnixUser(): UnixUser {
  const u = userInfo();
  return {
    name: process.env.USER || u.username,
    uid: u.uid,
    gid: u.gid,
    home: process.env.HOME || u.homedir,
    shell: process.env.SHELL || u.shell || '/bin/sh',
  };
}

/**
 * `mkdir -p dir` (mode 0755). When `owner` is given (the hub runs as root for another user) the
 * final directory, if created here, is chowned to it; parents created on the way stay the hub's
 * (e.g. `/home/jupyter/notebooks` must not belong to whichever user spawned first, or that user
 * could rename the others' directories). Existing directories are left alone. Returns the
 * directories created. Throws the OS error (with `path`), or ENOTDIR when a path part is a file.
 */
export function makeDirs(dir: string, owner?: { uid: number; gid: number }): string[] {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      const st = statSync(p);
      if (!st.isDirectory()) {
        const e = new Error(`ENOTDIR: not a directory, '${p}'`) as NodeJS.ErrnoException;
        e.code = 'ENOTDIR';
        e.path = p;
        throw e;
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      missing.unshift(p);
      if (p === dirname(p)) break;
    }
  }
  for (const p of missing) {
    mkdirSync(p, { mode: 0o755 });
    if (owner && p === target) {
      chownSync(p, owner.uid, owner.gid);
      // A user's own notebook folder is private: other users must not read each other's notebooks.
      chmodSync(p, 0o700);
    }
  }
  return missing;
}

/** Group ids of a user (primary + supplementary), via `id -G NAME`. */
export function unixGroupIds(name: string): Promise<number[]> {
  return new Promise((resolvePromise) => {
    execFile('id', ['-G', '--', name], { timeout: 10_000 }, (err, stdout) => {
      resolvePromise(err ? [] : stdout.trim().split(/\s+/).filter(Boolean).map(Number));
    });
  });
}

/**
 * Checks with the permission bits that `user` (with `groups`) can traverse every parent of `dir`
 * and read/write/enter `dir` itself. Returns a sentence describing the first obstacle, or null.
 * (Root's own access is not a test of the user's: this is why we do not use access(2).)
 */
export function unreachableReason(dir: string, user: UnixUser, groups: number[]): string | null {
  if (user.uid === 0) return null;
  const target = resolve(dir);
  const chain: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    chain.unshift(p);
    if (p === dirname(p)) break;
  }
  for (const p of chain) {
    let st;
    try {
      st = statSync(p);
    } catch {
      return null;
    } // missing parts are reported elsewhere
    const need = p === target ? 0o7 : 0o1;
    const bits =
      st.uid === user.uid
        ? (st.mode >> 6) & 7
        : groups.includes(st.gid) || st.gid === user.gid
          ? (st.mode >> 3) & 7
          : st.mode & 7;
    if ((bits & need) !== need) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      return p === target
        ? `user ${user.name} cannot read and write ${p} (mode ${mode}, owner uid ${st.uid}, gid ${st.gid})`
        : `user ${user.name} cannot enter ${p} (mode ${mode}, owner uid ${st.uid}, gid ${st.gid}); e.g. chmod o+x ${p}`;
    }
  }
  return null;
}
