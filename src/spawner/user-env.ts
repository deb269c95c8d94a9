/**
 * The Python user environment: finds `jupyterhub-singleuser`, or creates labhub's own venv from
 * the pinned `python/requirements.txt` when it is not on PATH.
 *
 * The venv is reused while a marker file (`.labhub-requirements.sha256`) holds the hash of the
 * requirements file it was installed from; a changed file re-runs `pip install -r` in place.
 * Files are made readable/executable by others, so servers run as other Linux users can use it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubError } from '../errors.js';
import { findOnPath, LineRing } from './proc.js';
import { makeDirs } from './unix-user.js';
import { EnvBuildProgress, secondsText, type UserEnvStatus } from './user-env-progress.js';

export type { UserEnvStatus } from './user-env-progress.js';

export const MARKER_FILE = '.labhub-requirements.sha256';

/** Options of {@link ensureUserEnv}. */
export interface UserEnvOptions {
  /** Single-user command name (default `jupyterhub-singleuser`). */
  command?: string;
  /** PATH to look for the command in (default the hub's PATH). */
  searchPath?: string;
  /** Venv directory (default {@link defaultVenvDir}). */
  venvDir?: string;
  /** Requirements file (default {@link defaultRequirementsFile}). */
  requirementsFile?: string;
  /** Python interpreter used to create the venv (default: a `python3` others can run). */
  python?: string;
  /** Receives progress lines (each status message, and pip's output). */
  onProgress?: (line: string) => void;
  /**
   * Receives the build's steps in words, with how far (0..1) and how long; a caller that joins a
   * build already running first gets every step so far.
   */
  onStatus?: (status: UserEnvStatus) => void;
}

/** Result of {@link ensureUserEnv}. */
export interface UserEnv {
  /** Absolute path of the command to run. */
  command: string;
  /** `<venv>/bin` to put first on the server's PATH, or null when the command came from PATH. */
  binDir: string | null;
  venvDir: string | null;
  /** What happened: found on PATH, venv reused, or venv created/updated now. */
  source: 'path' | 'venv-reused' | 'venv-installed';
}

/** The labhub package root (directory holding package.json), from this file's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'labhub') return dir;
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir)
      throw new HubError(
        'LABHUB_ERR_USER_ENV',
        500,
        'Cannot find the labhub package root (package.json) above ' +
          fileURLToPath(import.meta.url) +
          '; reinstall labhub.',
      );
    dir = up;
  }
}

/** `<package root>/python/requirements.txt`: the single place the Python pins live. */
export function defaultRequirementsFile(): string {
  return join(packageRoot(), 'python', 'requirements.txt');
}

/** `/opt/labhub/venv` when root, else `$XDG_DATA_HOME/labhub/venv` (`~/.local/share/labhub/venv`). */
export function defaultVenvDir(): string {
  if (process.getuid?.() === 0) return '/opt/labhub/venv';
  const data = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'labhub', 'venv');
}

/**
 * What labhub's environment at `venvDir` looks like without changing it (for `labhub doctor`):
 * `ready` (it provides `command` and matches the requirements file), `outdated` (it provides
 * the command but the requirements changed: the next start or spawn updates it) or `missing`.
 */
export function userEnvState(
  venvDir: string,
  requirementsFile: string = defaultRequirementsFile(),
  command = 'jupyterhub-singleuser',
): 'ready' | 'outdated' | 'missing' {
  if (!findOnPath(join(venvDir, 'bin', command), undefined)) return 'missing';
  try {
    const want = createHash('sha256').update(readFileSync(requirementsFile, 'utf8')).digest('hex');
    return readFileSync(join(venvDir, MARKER_FILE), 'utf8').trim() === want ? 'ready' : 'outdated';
  } catch {
    return 'outdated';
  }
}

/** True when every ancestor directory of `p` is searchable by others and `p` is readable by others. */
function othersCanReach(p: string): boolean {
  try {
    let cur = resolve(p);
    if ((statSync(cur).mode & 0o005) !== 0o005) return false;
    for (cur = dirname(cur); ; cur = dirname(cur)) {
      if ((statSync(cur).mode & 0o001) === 0) return false;
      if (cur === dirname(cur)) return true;
    }
  } catch {
    return false;
  }
}

/** Resolves a python3 whose installation others can use (matters when root creates /opt/labhub/venv). */
function choosePython(explicit: string | undefined): { python: string; warning?: string } {
  if (explicit) return { python: explicit };
  const candidates = [
    findOnPath('python3', process.env.PATH),
    '/usr/bin/python3',
    '/usr/local/bin/python3',
  ].filter((x): x is string => !!x);
  if (!candidates.length) {
    throw new HubError(
      'LABHUB_ERR_USER_ENV',
      500,
      "jupyterhub-singleuser is not on PATH and no python3 was found to create labhub's Python environment. " +
        'Install Python 3 (e.g. `apt-get install python3 python3-venv`) or install jupyterhub-singleuser yourself and put it on PATH.',
    );
  }
  if (process.getuid?.() !== 0) return { python: candidates[0] };
  const ok = candidates.find((c) => {
    try {
      return othersCanReach(realpathSync(c));
    } catch {
      return false;
    }
  });
  if (ok) return { python: ok };
  return {
    python: candidates[0],
    warning: `python3 at ${candidates[0]} is not readable by other users; servers run as other Linux users may fail to start from this venv. Set the python option to a system-wide python3.`,
  };
}

/** Runs a command, streaming its output lines to `onLine`; rejects with the output tail on failure. */
function run(argv: string[], onLine: (l: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const ring = new LineRing(40);
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    });
    const feed = (stream: string) => (b: Buffer) => {
      for (const l of ring.push(stream, b.toString('utf8'))) if (l.trim()) onLine(l);
    };
    child.stdout.on('data', feed('out'));
    child.stderr.on('data', feed('err'));
    child.once('error', (e) => reject(Object.assign(e, { tail: ring.tail() })));
    child.once('close', (code, sig) => {
      ring.flush();
      if (code === 0) resolvePromise();
      else
        reject(
          Object.assign(new Error(`${argv.join(' ')} exited with ${code ?? sig}`), {
            tail: ring.tail(),
          }),
        );
    });
  });
}

/** chmod a+rX over the venv (pip honours the umask, which may be 077). */
function makeReadableByOthers(dir: string): void {
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() || st.mode & 0o100 ? st.mode | 0o555 : st.mode | 0o444;
    if ((st.mode & 0o7777) !== (want & 0o7777)) chmodSync(p, want & 0o7777);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
}

const inflight = new Map<string, { done: Promise<UserEnv>; progress: EnvBuildProgress }>();

/**
 * Returns the single-user command to run. If `command` is on `searchPath`, that; otherwise
 * labhub's venv (created or updated from the requirements file when its marker hash differs),
 * returning `<venv>/bin/<command>`. Concurrent calls for the same venv share one installation
 * and its progress. Throws HubError LABHUB_ERR_USER_ENV (no python3, venv/pip failure with the
 * output tail, or the requirements do not provide the command).
 */
export function ensureUserEnv(opts: UserEnvOptions = {}): Promise<UserEnv> {
  const command = opts.command ?? 'jupyterhub-singleuser';
  const onPath = findOnPath(command, opts.searchPath ?? process.env.PATH);
  if (onPath)
    return Promise.resolve({ command: onPath, binDir: null, venvDir: null, source: 'path' });
  const venvDir = resolve(opts.venvDir ?? defaultVenvDir());
  const key = `${venvDir}\0${command}`;
  let entry = inflight.get(key);
  if (entry) {
    entry.progress.subscribe(opts.onStatus, opts.onProgress);
    return entry.done;
  }
  const progress = new EnvBuildProgress();
  progress.subscribe(opts.onStatus, opts.onProgress);
  entry = {
    progress,
    done: installVenv(venvDir, command, opts, progress).finally(() => {
      progress.end();
      inflight.delete(key);
    }),
  };
  inflight.set(key, entry);
  return entry.done;
}

async function installVenv(
  venvDir: string,
  command: string,
  opts: UserEnvOptions,
  progress: EnvBuildProgress,
): Promise<UserEnv> {
  // Let the caller subscribe before the first status (this function runs synchronously until
  // its first await).
  await Promise.resolve();
  const reqFile = resolve(opts.requirementsFile ?? defaultRequirementsFile());
  let reqText: string;
  try {
    reqText = readFileSync(reqFile, 'utf8');
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_USER_ENV',
      500,
      `Cannot read the Python requirements file ${reqFile}: ${(e as Error).message}. Reinstall labhub or set the requirements file option.`,
    );
  }
  const hash = createHash('sha256').update(reqText).digest('hex');
  const binDir = join(venvDir, 'bin');
  const cmdPath = join(binDir, command);
  const marker = join(venvDir, MARKER_FILE);
  const markerHash = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
  if (markerHash === hash && existsSync(join(binDir, 'python'))) {
    if (!findOnPath(cmdPath, undefined)) throw missingCommand(command, venvDir, reqFile);
    progress.status('reused', `Using the Python environment ${venvDir}`, 1);
    return { command: cmdPath, binDir, venvDir, source: 'venv-reused' };
  }
  const fail = (what: string, e: unknown, todo: string): HubError => {
    const tail = (e as { tail?: string }).tail ?? '';
    return new HubError(
      'LABHUB_ERR_USER_ENV',
      500,
      `${command} is not on PATH, and creating labhub's Python environment in ${venvDir} failed: ${what}: ${(e as Error).message}.` +
        (tail ? `\nLast output:\n${tail}` : '') +
        `\n${todo}`,
    );
  };
  if (!existsSync(join(binDir, 'python'))) {
    const { python, warning } = choosePython(opts.python);
    if (warning) progress.status('warning', `Warning: ${warning}`);
    try {
      makeDirs(dirname(venvDir));
    } catch (e) {
      throw fail(
        'cannot create its parent directory',
        e,
        `Create ${dirname(venvDir)} or choose another venv directory.`,
      );
    }
    progress.status('venv', `Creating a Python environment in ${venvDir} with ${python}…`, 0.02);
    const t0 = Date.now();
    try {
      await run([python, '-m', 'venv', venvDir], (l) => progress.pipLine(l));
      progress.status(
        'venv',
        `Created the Python environment in ${secondsText(Date.now() - t0)}`,
        0.08,
      );
    } catch (e) {
      throw fail(
        'python3 -m venv failed',
        e,
        'On Debian/Ubuntu install python3-venv (`apt-get install python3-venv`), or install jupyterhub-singleuser yourself and put it on PATH.',
      );
    }
  }
  progress.pipStarted(
    reqText.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).length,
    reqFile,
  );
  try {
    await run(
      [
        join(binDir, 'python'),
        '-m',
        'pip',
        'install',
        '--no-input',
        '--progress-bar',
        'off',
        '-r',
        reqFile,
      ],
      (l) => progress.pipLine(l),
    );
  } catch (e) {
    throw fail(
      'pip install failed',
      e,
      'Check network access to PyPI (or a pip index/proxy in pip.conf), then retry the spawn.',
    );
  }
  makeReadableByOthers(venvDir);
  // The pins are installed whether or not they provide the command: record it either way.
  writeFileSync(marker, hash + '\n', { mode: 0o644 });
  if (!findOnPath(cmdPath, undefined)) throw missingCommand(command, venvDir, reqFile);
  progress.status(
    'ready',
    `Python environment ready in ${secondsText(progress.elapsedMs)}: ${cmdPath}`,
    1,
  );
  return { command: cmdPath, binDir, venvDir, source: 'venv-installed' };
}

function missingCommand(command: string, venvDir: string, reqFile: string): HubError {
  return new HubError(
    'LABHUB_ERR_USER_ENV',
    500,
    `The Python environment ${venvDir} was installed from ${reqFile}, but it does not provide ${command}. ` +
      `Add the package that provides ${command} to the requirements file, or set Spawner.cmd to a command that exists.`,
  );
}
