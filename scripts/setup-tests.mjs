#!/usr/bin/env node
// `npm test`'s set-up step (the `pretest` script; npm runs it before `test`, even when
// node_modules does not exist yet). Installs or builds whatever is missing, in this order, and
// takes well under a second when everything is there:
//   1. Debian packages (scripts/install-system-deps.sh): installed when root; otherwise the
//      command to run is printed and the set-up stops.
//   2. node_modules (scripts/setup-node-modules.mjs): `npm ci` when missing or when
//      package-lock.json changed since the last install.
//   3. The pinned Python environments of the tests (scripts/setup-python.mjs), so that no test
//      builds one (or depends on another test having built it).
// Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setupNodeModules } from './setup-node-modules.mjs';
import { setupPython } from './setup-python.mjs';
import { setupOps } from './setup-ops.mjs';
import { setupDataplane } from './setup-dataplane.mjs';
import { setupDocker } from './setup-docker.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();

function systemPackages() {
  const check = spawnSync('bash', ['scripts/install-system-deps.sh', '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (check.status === 0) return 0;
  if (process.getuid?.() !== 0) {
    process.stdout.write(check.stdout);
    console.error(
      'npm test: the tests need the Debian packages above; install them (as root) and run npm test again.',
    );
    return 1;
  }
  const r = spawnSync('bash', ['scripts/install-system-deps.sh'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status ?? 1;
}

for (const step of [
  systemPackages,
  () => setupNodeModules({ quiet: true }),
  () => setupPython({ quiet: true }),
  async () => (await import('./setup-k8s.mjs')).setupK8s({ quiet: true }),
  () => setupOps({ quiet: true }),
  setupDataplane,
  () => setupDocker({ quiet: true }),
]) {
  const code = await step();
  if (code !== 0) process.exit(code);
}
console.log(
  `test set-up ok (system packages, node_modules, Python environments) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
