import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import { resolveAuthenticator } from '../auth/registry.js';
import { resolveSpawner } from '../spawner/registry.js';
import { PluginRegistry, type PluginDefinition } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'labhub-plugins-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Widget extends PluginDefinition {
  create(): string;
}
const widgets = () =>
  new PluginRegistry<Widget>({
    noun: 'widget',
    trait: 'Test.widget_class',
    baseClass: 'Widget',
    isDefinition: (d) => typeof d.create === 'function',
  });
const w = (id: string, aliases: string[] = []): Widget => ({
  id,
  aliases,
  configClasses: ['Widget'],
  create: () => id,
});

test('plugin registry: names are case-insensitive and belong to one definition', async () => {
  const r = widgets();
  const a = w('blue-widget', ['BlueWidget', 'acme.BlueWidget']);
  r.register(a);
  r.register(a); // the same definition again: a no-op
  for (const n of ['blue-widget', 'BLUE-WIDGET', 'bluewidget', ' acme.bluewidget '])
    assert.equal(await r.resolve(n), a, n);
  assert.throws(
    () => r.register(w('other', ['BLUEWIDGET'])),
    (e) => isHubError(e) && /already used by widget "blue-widget"/.test(e.userMessage),
  );
  assert.throws(
    () => r.register(w('Not_Kebab')),
    (e) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG' && /kebab-case/.test(e.userMessage),
  );
  await assert.rejects(
    r.resolve('BlueWidgt'),
    (e) =>
      isHubError(e) &&
      /Test\.widget_class "BlueWidgt" is not a known widget\. Did you mean "BlueWidget"\?/.test(
        e.userMessage,
      ) &&
      /Known: blue-widget \(also BlueWidget, acme\.BlueWidget\)/.test(e.userMessage),
  );
});

test('plugin registry: authenticators and spawners follow the same module-path and class-path rules', async () => {
  mkdirSync(join(dir, 'acme'), { recursive: true });
  writeFileSync(
    join(dir, 'acme', 'auth.mjs'),
    "export const authenticator = { id: 'acme-auth', aliases: ['acme.auth.AcmeAuthenticator'], configClasses: ['Authenticator'], create: () => ({ authenticate: async () => null }) };\n",
  );
  writeFileSync(
    join(dir, 'acme', 'spawn.mjs'),
    "export const spawner = { id: 'acme-spawn', aliases: ['acme.spawn.AcmeSpawner'], create() { return null; } };\n",
  );
  // A class path finds pkg/mod.mjs in baseDir for both kinds; a named export works for both.
  const auth = await resolveAuthenticator('acme.auth.AcmeAuthenticator', { baseDir: dir });
  assert.equal(auth.id, 'acme-auth');
  const spawner = await resolveSpawner('acme.spawn.AcmeSpawner', { baseDir: dir });
  assert.equal(spawner.id, 'acme-spawn');
  assert.deepEqual(spawner.configClasses, ['Spawner'], 'the base class when none is given');
  // Registered now, and case-insensitive like the built-ins.
  assert.equal(await resolveAuthenticator('ACME-AUTH'), auth);
  assert.equal(await resolveSpawner('Acme-Spawn'), spawner);
  // The same module path again gives the registered definition.
  assert.equal(await resolveSpawner('./acme/spawn.mjs', { baseDir: dir }), spawner);
  for (const resolve of [resolveAuthenticator, resolveSpawner])
    await assert.rejects(
      resolve('./acme/missing.mjs', { baseDir: dir }),
      (e) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_CONFIG' &&
        /could not be loaded: it does not exist/.test(e.userMessage),
    );
});
