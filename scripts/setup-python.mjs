#!/usr/bin/env node
// Build (or reuse) the pinned Python environments the tests use, listed in
// python/test-envs.json (.venv-singleuser6, .venv-singleuser5, .venv-culler), with the same code
// labhub uses at run time (src/spawner/user-env.ts: a venv is reused while its marker file holds
// the hash of its requirements file). When every marker matches, this returns in milliseconds
// without loading TypeScript; otherwise it builds what is missing or out of date (pip, network
// to PyPI; about a minute per environment). `npm test` runs it before the tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MARKER = '.labhub-requirements.sha256'; // MARKER_FILE in src/spawner/user-env.ts

/** @returns {{ dir: string, requirements: string, command: string }[]} */
export function testEnvs() {
  return JSON.parse(readFileSync(join(root, 'python/test-envs.json'), 'utf8'));
}

/** true when the venv exists, provides its command and was installed from the current pins. */
export function envIsReady(env) {
  const venv = join(root, env.dir);
  const marker = join(venv, MARKER);
  if (!existsSync(marker) || !existsSync(join(venv, 'bin', env.command))) return false;
  const want = createHash('sha256')
    .update(readFileSync(join(root, env.requirements), 'utf8'))
    .digest('hex');
  return readFileSync(marker, 'utf8').trim() === want;
}

/** Builds the environments that are not ready; returns the process exit status (0 = all ready). */
export function setupPython({ quiet = false } = {}) {
  // Environments marked `only: "bench"` are built by their benchmark when it runs.
  const todo = testEnvs().filter((e) => !e.only && !envIsReady(e));
  if (!todo.length) {
    if (!quiet) console.log('python environments ok');
    return 0;
  }
  console.log(
    `python environments: building ${todo.map((e) => e.dir).join(', ')} from the pinned ` +
      'requirements (pip from PyPI, about a minute each)',
  );
  const code = `
const { ensureUserEnv } = await import('./src/spawner/user-env.ts');
for (const e of ${JSON.stringify(todo)}) {
  const t0 = Date.now();
  const env = await ensureUserEnv({ venvDir: e.dir, requirementsFile: e.requirements, command: e.command, searchPath: '', onProgress: (l) => /^(Creating a Python|Installing the pinned|Python environment ready)/.test(l) && console.log('  ' + e.dir + ': ' + l) });
  console.log(e.dir + ': ' + env.source + ' (' + env.command + ') in ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');
}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    stdio: 'inherit',
  });
  return r.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(setupPython());
}
