import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { spawnerChecks } from './doctor-spawner.js';

const dir = mkdtempSync(join(tmpdir(), 'labhub-doctor-spawner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

function checks(lines: string[]) {
  writeFileSync(join(dir, 'jupyterhub_config.py'), ['c = get_config()', ...lines].join('\n'));
  const loaded = loadConfig({ file: 'jupyterhub_config.py', cwd: dir });
  return spawnerChecks(settingsFromConfig(loaded.config, 'dummy'));
}

test("doctor, spawner_class 'simple': warns that every server runs as the hub's user; under root without --allow-root it is an error", () => {
  const r = checks(["c.JupyterHub.spawner_class = 'simple'"]);
  const warn = r.find((c) => c.name === 'spawner' && c.status === 'warn');
  assert.match(warn?.detail ?? '', /every user's server runs as the hub's own user/);
  const error = r.find((c) => c.name === 'spawner' && c.status === 'error');
  if (isRoot) assert.match(error?.fix ?? '', /c\.Spawner\.args = \['--allow-root'\]/);
  else assert.equal(error, undefined);
  assert.equal(
    r.some((c) => c.name === 'servers as users'),
    false,
    'the run-as-user checks of local-process do not apply to simple',
  );
  const withFlag = checks([
    "c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'",
    "c.Spawner.args = ['--allow-root']",
  ]);
  assert.equal(
    withFlag.some((c) => c.status === 'error'),
    false,
  );
});

test('doctor, the default local-process spawner: the run-as-user check, no simple notice', () => {
  const r = checks([]);
  assert.equal(
    r.some((c) => c.name === 'spawner'),
    false,
  );
  if (isRoot) assert.ok(r.some((c) => c.name === 'servers as users'));
});
