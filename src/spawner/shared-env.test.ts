// The shared environment's own rules without pip: what a request may name, and that it is
// refused with a spawner whose servers cannot see it (containers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { normalizeName, parseSpec, SharedEnv } from './shared-env.js';

test('parseSpec: a name or name==version; ranges, extras and URLs are refused', () => {
  assert.deepEqual(parseSpec('tomli-w'), { name: 'tomli-w', version: null });
  assert.deepEqual(parseSpec(' Foo_Bar==1.2.3rc1 '), { name: 'Foo_Bar', version: '1.2.3rc1' });
  for (const bad of ['x>=1', 'x[extra]', 'https://e.org/x.whl', '-r req.txt', 'x==', 'x==1 ; y'])
    assert.throws(() => parseSpec(bad), /not a package name or name==version/, bad);
  assert.equal(normalizeName('Foo_Bar.baz'), 'foo-bar-baz');
});

test('an empty environment lists nothing; removing what is not there says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-shared-env-unit-'));
  try {
    const env = new SharedEnv(join(dir, 'shared'), { explicit: '/nonexistent/python' });
    assert.deepEqual(env.list(), { packages: [], dependencies: [], updated: null });
    await assert.rejects(env.remove(['numpy']), /Not in the shared environment: numpy/);
    await assert.rejects(env.install([]), /Name at least one package/);
    assert.equal(env.currentVersion(), null, 'nothing was made');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Labhub.shared_env_dir with a container spawner is refused, naming both keys', () => {
  const settings = (spawner: string) =>
    settingsFromConfig(
      loadConfig({
        overrides: {
          JupyterHub: { spawner_class: spawner },
          Labhub: { shared_env_dir: '/srv/shared' },
        },
      }).config,
      'dummy',
    );
  assert.throws(() => settings('docker'), /Labhub\.shared_env_dir .*spawner_class = "docker"/);
  assert.equal(settings('simple').sharedEnvDir, '/srv/shared');
});
