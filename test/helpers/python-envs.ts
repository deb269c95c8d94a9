/**
 * The pinned Python environments of the tests (python/test-envs.json), built before any test by
 * `npm test`'s set-up step (scripts/setup-python.mjs). Tests only use them: no test builds one,
 * so no test depends on another one having run first.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER_FILE } from '../../src/spawner/user-env.js';
import { ROOT } from './test-hub.js';

export type TestEnvDir = '.venv-singleuser6' | '.venv-singleuser5' | '.venv-culler';

interface TestEnvSpec {
  dir: string;
  requirements: string;
  command: string;
}

export interface TestEnv {
  /** Absolute path of the venv. */
  dir: string;
  /** `<venv>/bin/python`. */
  python: string;
  /** `<venv>/bin/<command>` (jupyterhub-singleuser or jupyterhub-idle-culler). */
  command: string;
}

/** The environment, checked to exist and to match its pins; fails the test with what to run. */
export function testEnv(dir: TestEnvDir): TestEnv {
  const specs = JSON.parse(
    readFileSync(join(ROOT, 'python/test-envs.json'), 'utf8'),
  ) as TestEnvSpec[];
  const spec = specs.find((s) => s.dir === dir);
  assert.ok(spec, `${dir} is not listed in python/test-envs.json`);
  const venv = join(ROOT, dir);
  const command = join(venv, 'bin', spec.command);
  const todo =
    'run node scripts/setup-python.mjs (npm test runs it before the tests; it needs PyPI)';
  assert.ok(existsSync(command), `${command} is missing: ${todo}`);
  const marker = join(venv, MARKER_FILE);
  const want = createHash('sha256')
    .update(readFileSync(join(ROOT, spec.requirements), 'utf8'))
    .digest('hex');
  const have = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
  assert.equal(
    have,
    want,
    `${venv} was not installed from the current ${spec.requirements}: ${todo}`,
  );
  return { dir: venv, python: join(venv, 'bin', 'python'), command };
}
