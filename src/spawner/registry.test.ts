import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import { registerSpawner, resolveSpawner, spawnerIds } from './registry.js';
import { localProcessSpawner } from './local-process.js';
import { simpleLocalProcessSpawner } from './simple-local-process.js';
import type { SpawnerDefinition } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'labhub-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('local-process resolves by id and every JupyterHub name', async () => {
  for (const name of [
    'local-process',
    'localprocess',
    'local',
    'jupyterhub.spawner.LocalProcessSpawner',
    'LocalProcessSpawner',
    'LocalProcess',
  ]) {
    assert.equal(await resolveSpawner(name), localProcessSpawner, name);
  }
  assert.ok(spawnerIds().includes('local-process'));
});

test('simple is its own spawner (SimpleLocalProcessSpawner), not local-process', async () => {
  for (const name of [
    'simple-local-process',
    'simple',
    'simplelocalprocess',
    'jupyterhub.spawner.SimpleLocalProcessSpawner',
    'SimpleLocalProcessSpawner',
  ]) {
    assert.equal(await resolveSpawner(name), simpleLocalProcessSpawner, name);
  }
  assert.ok(spawnerIds().includes('simple-local-process'));
});

test('an unknown name fails with LABHUB_ERR_CONFIG, a did-you-mean and the known names', async () => {
  await assert.rejects(resolveSpawner('localprocesss'), (e: unknown) => {
    assert.ok(isHubError(e));
    assert.equal(e.code, 'LABHUB_ERR_CONFIG');
    assert.match(e.userMessage, /Did you mean "localprocess"\?/);
    assert.match(e.userMessage, /Known: .*local-process \(also localprocess/);
    return true;
  });
  await assert.rejects(
    resolveSpawner('systemdspawner.SystemdSpawner'),
    (e: unknown) =>
      isHubError(e) && e.code === 'LABHUB_ERR_CONFIG' && /not a known spawner/.test(e.userMessage),
  );
});

test("registerSpawner adds names and refuses to take another spawner's name", async () => {
  const def: SpawnerDefinition = {
    id: 'test-registry-dummy',
    aliases: ['RegistryDummySpawner'],
    configClasses: ['Spawner'],
    create: () => {
      throw new Error('unused');
    },
  };
  registerSpawner(def);
  registerSpawner(def); // same definition again: no-op
  assert.equal(await resolveSpawner('RegistryDummySpawner'), def);
  assert.throws(
    () => registerSpawner({ ...def, id: 'other-one', aliases: ['local'] }),
    (e: unknown) => isHubError(e) && /already used by spawner "local-process"/.test(e.userMessage),
  );
  assert.throws(
    () => registerSpawner({ ...def, id: 'Not Kebab' }),
    (e: unknown) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG',
  );
});

test('a module path that default-exports a definition is loaded relative to baseDir', async () => {
  writeFileSync(
    join(dir, 'my-spawner.mjs'),
    "export default { id: 'my-spawner', aliases: [], configClasses: ['Spawner'], create() { return null; } };\n",
  );
  writeFileSync(join(dir, 'bad-spawner.mjs'), 'export const x = 1;\n');
  const def = await resolveSpawner('./my-spawner.mjs', { baseDir: dir });
  assert.equal(def.id, 'my-spawner');
  await assert.rejects(
    resolveSpawner('./bad-spawner.mjs', { baseDir: dir }),
    (e: unknown) => isHubError(e) && /must export a spawner definition/.test(e.userMessage),
  );
  await assert.rejects(
    resolveSpawner('./missing.js', { baseDir: dir }),
    (e: unknown) => isHubError(e) && /could not be loaded/.test(e.userMessage),
  );
});

test('a Python class path finds pkg/mod.mjs on LABHUB_PLUGIN_PATH when its aliases list the path', async () => {
  const plugins = join(dir, 'plugins');
  mkdirSync(join(plugins, 'acme'), { recursive: true });
  writeFileSync(
    join(plugins, 'acme', 'spawners.mjs'),
    "export default { id: 'acme-tiny', aliases: ['acme.spawners.TinySpawner'], configClasses: ['Spawner'], create() { return null; } };\n",
  );
  writeFileSync(
    join(plugins, 'other.mjs'),
    "export default { id: 'other-tiny', aliases: [], configClasses: ['Spawner'], create() { return null; } };\n",
  );
  const before = process.env.LABHUB_PLUGIN_PATH;
  process.env.LABHUB_PLUGIN_PATH = `/nonexistent-dir:${plugins}`;
  try {
    const def = await resolveSpawner('acme.spawners.TinySpawner', { baseDir: dir });
    assert.equal(def.id, 'acme-tiny');
    assert.ok(spawnerIds().includes('acme-tiny'));
    assert.equal(await resolveSpawner('acme.spawners.TinySpawner'), def); // registered now
    await assert.rejects(
      resolveSpawner('other.OtherSpawner', { baseDir: dir }),
      (e: unknown) =>
        isHubError(e) && /does not list "other.OtherSpawner" in its aliases/.test(e.userMessage),
    );
  } finally {
    if (before === undefined) delete process.env.LABHUB_PLUGIN_PATH;
    else process.env.LABHUB_PLUGIN_PATH = before;
  }
  // Without the path entry the file is not found: the usual unknown-spawner error.
  await assert.rejects(
    resolveSpawner('acme.other.TinySpawner', { baseDir: dir }),
    (e: unknown) => isHubError(e) && /not a known spawner/.test(e.userMessage),
  );
});
