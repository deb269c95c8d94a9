#!/usr/bin/env node
// Build (or reuse) the pinned Python environments the tests use, with the same code labhub uses
// at run time (src/spawner/user-env.ts): .venv-singleuser6 (python/requirements.txt) and
// .venv-singleuser5 (python/requirements-singleuser5.txt) and .venv-culler
// (python/requirements-culler.txt), for the compatibility tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const code = `
const { ensureUserEnv } = await import('./src/spawner/user-env.ts');
for (const [dir, req, command] of [['.venv-singleuser6', 'python/requirements.txt'], ['.venv-singleuser5', 'python/requirements-singleuser5.txt'], ['.venv-culler', 'python/requirements-culler.txt', 'jupyterhub-idle-culler'], ['.venv-schemathesis', 'python/requirements-schemathesis.txt', 'schemathesis']]) {
  const t0 = Date.now();
  const env = await ensureUserEnv({ venvDir: dir, requirementsFile: req, command: command ?? 'jupyterhub-singleuser', searchPath: '', onProgress: () => {} });
  console.log(dir + ': ' + env.source + ' (' + env.command + ') in ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s');
}`;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
