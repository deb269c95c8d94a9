/**
 * Files that hold a live credential (the database and its -wal/-shm/-journal, the cookie secret,
 * a TLS key, a database backup): under PAM every hub user has a shell on this machine, so these
 * must never be readable by another account. They are created 0600 whatever the process umask
 * (directories labhub creates for them 0700), and an existing one that group or others may read
 * is narrowed at start with a warning. A leaf module: node:fs only, so the database layer and
 * the CLI use the same rule.
 */
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';

/** Mode of a file that holds a credential. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of a directory labhub creates to hold such files. */
export const PRIVATE_DIR_MODE = 0o700;
/** Permission bits that let the group or other accounts read, write or run a file. */
const GROUP_OTHER = 0o077;

/** `0o644` → `"644"`, as `ls -l` users and `chmod` read it. */
export function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/** A file whose mode was narrowed (see {@link tightenFile}). */
export interface Tightened {
  file: string;
  oldMode: number;
  newMode: number;
}

/** Permission bits of `file`, or null when it does not exist. */
export function fileMode(file: string): number | null {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return null;
  }
}

/** True when the group or other accounts have any permission on `file`. */
export function isExposed(file: string): boolean {
  const m = fileMode(file);
  return m !== null && (m & GROUP_OTHER) !== 0;
}

/**
 * Remove `bits` (default: every group and other permission) from an existing file's mode.
 * Returns what changed, or null when the file is missing or already private.
 */
export function tightenFile(file: string, bits = GROUP_OTHER): Tightened | null {
  const oldMode = fileMode(file);
  if (oldMode === null || (oldMode & bits) === 0) return null;
  const newMode = oldMode & ~bits;
  chmodSync(file, newMode);
  return { file, oldMode, newMode };
}

/** One warning line for a tightened file: the file, its old mode and its new mode. */
export function tightenedMessage(what: string, t: Tightened, consequence = ''): string {
  return `${what} ${t.file} was readable by other accounts (mode ${modeText(t.oldMode)}); changed it to ${modeText(t.newMode)}.${consequence ? ` ${consequence}` : ''}`;
}

/**
 * `mkdir -p dir`; the directories it creates get mode 0700 whatever the umask (existing ones are
 * left as they are: they belong to the operator).
 */
export function makePrivateDirs(dir: string): void {
  const missing: string[] = [];
  for (let p = resolve(dir); !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (p === dirname(p)) break;
  }
  for (const p of missing) {
    try {
      mkdirSync(p, { mode: PRIVATE_DIR_MODE });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      continue; // made by someone else meanwhile: not ours to change
    }
    chmodSync(p, PRIVATE_DIR_MODE); // mkdir's mode is masked by the umask
  }
}

/** Open a new file 0600 (fails if it exists; never follows a symlink). */
function openNewPrivate(file: string): number {
  const fd = openSync(
    file,
    constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
    PRIVATE_FILE_MODE,
  );
  fchmodSync(fd, PRIVATE_FILE_MODE); // the umask may have removed bits we need (e.g. 0o200)
  return fd;
}

/**
 * Create `file` empty with mode 0600 when it does not exist (its directory 0700 if labhub makes
 * it). Returns true when created now. An existing file is not touched.
 */
export function createPrivateFile(file: string): boolean {
  makePrivateDirs(dirname(file));
  try {
    closeSync(openNewPrivate(file));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Write `data` to `file` with mode 0600 whatever the umask. The bytes go to a new 0600 file
 * beside it that then replaces `file`, so there is never a moment when the content sits in a
 * file with a wider mode (an older `file` keeps its own inode until the rename).
 * With `exclusive`, fails with EEXIST when `file` exists.
 */
export function writePrivateFile(
  file: string,
  data: string | Buffer,
  opts: { exclusive?: boolean } = {},
): void {
  makePrivateDirs(dirname(file));
  if (opts.exclusive) {
    const fd = openNewPrivate(file);
    try {
      writeAll(fd, data);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openNewPrivate(tmp);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function writeAll(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

/** The files of an SQLite database: the database and the -wal, -shm and -journal beside it. */
export function sqliteFiles(dbFile: string): string[] {
  return [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`];
}
