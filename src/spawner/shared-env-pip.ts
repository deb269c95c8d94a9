/**
 * pip, run by the user servers' own Python for the shared environment (shared-env.ts): which
 * Python that is, resolving a request without changing anything (`pip install --dry-run
 * --report`), and installing exactly the resolved distributions into a new directory
 * (`--target --no-deps`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubError } from '../errors.js';
import { findOnPath, LineRing } from './proc.js';
import { defaultVenvDir } from './user-env.js';

/** One distribution pip would install: its name as published and its exact version. */
export interface Dist {
  name: string;
  version: string;
}

/** Where the Python of the user servers comes from (see {@link serverPython}). */
export interface PythonSource {
  /** Labhub.shared_env_python, when set. */
  explicit?: string | null;
  /** Spawner.cmd[0] (default `jupyterhub-singleuser`). */
  cmd0?: string;
  /** PATH to find `cmd0` on. */
  searchPath?: string;
  /** Labhub.user_env_dir (labhub's own venv when `cmd0` is not on PATH). */
  userEnvDir?: string | null;
}

function shebangPython(script: string): string | null {
  try {
    const first = readFileSync(script, 'utf8').slice(0, 512).split('\n')[0];
    const m = /^#!\s*(\S+python[0-9.]*)\s*$/.exec(first);
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/**
 * The Python that runs the user servers (and their kernels): the explicit setting, else the
 * interpreter on the `#!` line of `jupyterhub-singleuser` as the local spawner finds it (on
 * PATH, else in labhub's own venv). Throws LABHUB_ERR_SHARED_ENV saying what to set.
 */
export function serverPython(src: PythonSource): string {
  if (src.explicit) return src.explicit;
  const cmd0 = src.cmd0 || 'jupyterhub-singleuser';
  const candidates = [
    findOnPath(cmd0, src.searchPath ?? process.env.PATH),
    join(src.userEnvDir || defaultVenvDir(), 'bin', 'jupyterhub-singleuser'),
  ];
  for (const c of candidates) {
    const py = c ? shebangPython(c) : null;
    if (py && findOnPath(py, undefined)) return py;
  }
  throw new HubError(
    'LABHUB_ERR_SHARED_ENV',
    500,
    `Cannot tell which Python runs the user servers: ${cmd0} was not found on PATH nor in labhub's environment (${src.userEnvDir || defaultVenvDir()}), or it is not a Python script. Set Labhub.shared_env_python to the servers' python (e.g. /opt/labhub/venv/bin/python).`,
  );
}

/** Runs `argv` without PYTHONPATH (pip must see the servers' environment only). */
export function runPython(
  argv: string[],
  onLine: (line: string) => void = () => {},
): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
    delete env.PYTHONPATH;
    delete env.PIP_TARGET;
    const ring = new LineRing(30);
    let stdout = '';
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    const feed = (stream: string) => (b: Buffer) => {
      if (stream === 'out') stdout += b.toString('utf8');
      for (const l of ring.push(stream, b.toString('utf8'))) if (l.trim()) onLine(l);
    };
    child.stdout.on('data', feed('out'));
    child.stderr.on('data', feed('err'));
    child.once('error', (e) => reject(Object.assign(e, { tail: ring.tail() })));
    child.once('close', (code, sig) => {
      ring.flush();
      if (code === 0) resolve({ stdout });
      else
        reject(
          Object.assign(new Error(`${argv.join(' ')} exited with ${code ?? sig}`), {
            tail: ring.tail(),
          }),
        );
    });
  });
}

/** pip's error lines (`ERROR: ...`) of a failed run, else its last lines. */
export function pipError(e: unknown): string {
  const tail = String((e as { tail?: string }).tail ?? (e as Error).message);
  const errors = tail
    .split('\n')
    .map((l) => l.replace(/^\[(out|err)\]\s*/, ''))
    .filter((l) => /^ERROR:/.test(l.trim()));
  return (errors.length ? errors.join('\n') : tail).trim();
}

const PIP_QUIET = ['--no-input', '--progress-bar', 'off', '--disable-pip-version-check'];

/**
 * What installing `specs` into the servers' environment would add (pip's resolver against
 * what that environment already has), without changing anything.
 */
export async function resolveInstall(
  python: string,
  specs: string[],
  reportFile: string,
  onLine?: (line: string) => void,
): Promise<Dist[]> {
  await runPython(
    [python, '-m', 'pip', 'install', '--dry-run', '--report', reportFile, ...PIP_QUIET, ...specs],
    onLine,
  );
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    install?: { metadata: { name: string; version: string } }[];
  };
  return (report.install ?? []).map((i) => ({
    name: i.metadata.name,
    version: i.metadata.version,
  }));
}

/** Installs exactly `dists` (no dependency resolution: that was done) into `target`. */
export async function installInto(
  python: string,
  dists: Dist[],
  target: string,
  onLine?: (line: string) => void,
): Promise<void> {
  if (!dists.length) return;
  await runPython(
    [
      python,
      '-m',
      'pip',
      'install',
      '--no-deps',
      '--target',
      target,
      ...PIP_QUIET,
      ...dists.map((d) => `${d.name}==${d.version}`),
    ],
    onLine,
  );
}

/** Versions of `names` as the servers' environment has them installed (null: not installed). */
export async function installedVersions(
  python: string,
  names: string[],
): Promise<Map<string, string | null>> {
  const code =
    'import sys, importlib.metadata as m\n' +
    'for n in sys.argv[1:]:\n' +
    '    try: print(n, m.version(n))\n' +
    '    except m.PackageNotFoundError: print(n, "-")\n';
  const { stdout } = await runPython([python, '-c', code, ...names]);
  const out = new Map<string, string | null>();
  for (const line of stdout.split('\n')) {
    const [n, v] = line.trim().split(' ');
    if (n) out.set(n, v && v !== '-' ? v : null);
  }
  return out;
}
