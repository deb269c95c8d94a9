import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { settingsFromConfig } from '../../core/settings-from-config.js';
import { isHubError } from '../../errors.js';
import {
  createFields,
  dockerOptions,
  escapeName,
  hostConfigFields,
  renderTemplate,
  volumeBinds,
} from './options.js';

test("DockerSpawner's escaping: lowercase letters and digits kept, every other byte -XX", () => {
  assert.equal(escapeName('alice'), 'alice');
  assert.equal(escapeName('alice.smith'), 'alice-2esmith');
  assert.equal(escapeName('a-b'), 'a-2db');
  assert.equal(escapeName('Bob'), '-42ob');
  assert.equal(escapeName('é'), '-c3-a9');
});

test('templates: known fields filled, a string that is no valid template left as it is', () => {
  const ns = { username: 'al', prefix: 'p' };
  assert.equal(renderTemplate('{prefix}-{username}', ns), 'p-al');
  assert.equal(renderTemplate('{nope}-{username}', ns), '{nope}-{username}');
  assert.equal(renderTemplate('{{x}}', ns), '{x}');
  const o = dockerOptions({
    volumes: {
      'home-{username}': '/home/jovyan',
      '/srv/{username}': { bind: '/data', mode: 'ro' },
    },
    read_only_volumes: { '/shared': '/shared' },
  });
  assert.deepEqual(volumeBinds(o, ns), [
    'home-al:/home/jovyan:rw',
    '/srv/al:/data:ro',
    '/shared:/shared:ro',
  ]);
});

test('docker-py names become Engine API fields', () => {
  assert.deepEqual(
    hostConfigFields({
      mem_limit: '1G',
      cap_add: ['NET_ADMIN'],
      extra_hosts: { h: '1.2.3.4' },
      Init: true,
    }),
    { Memory: 1024 ** 3, CapAdd: ['NET_ADMIN'], ExtraHosts: ['h:1.2.3.4'], Init: true },
  );
  assert.deepEqual(
    createFields({ user: 'root', environment: { A: '1' }, host_config: { shm_size: '1M' } }),
    {
      User: 'root',
      Env: ['A=1'],
      HostConfig: { ShmSize: 1024 ** 2 },
    },
  );
});

test('a wrong value is LABHUB_ERR_CONFIG naming DockerSpawner.key', () => {
  assert.throws(
    () => dockerOptions({ pull_policy: 'sometimes' }),
    (e: unknown) => isHubError(e) && /DockerSpawner\.pull_policy/.test(e.userMessage),
  );
  assert.equal(dockerOptions({ pull_policy: 'Never' }).pull_policy, 'never');
});

test('allowed_images with a choice puts the image form on the spawn page unless options_form is set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-docker-opts-'));
  try {
    const settings = (o: Record<string, Record<string, unknown>>) =>
      settingsFromConfig(
        loadConfig({ cwd: dir, overrides: { JupyterHub: { spawner_class: 'docker' }, ...o } })
          .config,
        'dummy',
      ).spawner.extra.options_form;
    const form = settings({ DockerSpawner: { image: 'a:1', allowed_images: ['a:1', 'b:2'] } });
    assert.match(String(form), /<option value="a:1" selected>a:1<\/option>/);
    assert.match(String(form), /<option value="b:2">b:2<\/option>/);
    assert.equal(settings({ DockerSpawner: { allowed_images: ['a:1'] } }), '');
    assert.equal(
      settings({
        DockerSpawner: { allowed_images: ['a:1', 'b:2'] },
        Spawner: { options_form: 'mine' },
      }),
      'mine',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
