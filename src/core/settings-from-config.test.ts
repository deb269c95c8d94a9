import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { createPolicy } from '../auth/policy.js';
import { isHubError } from '../errors.js';
import { serversInContainers, settingsFromConfig } from './settings-from-config.js';

const dir = mkdtempSync(join(tmpdir(), 'labhub-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function policyFor(pyLines: string[], authId: string) {
  writeFileSync(join(dir, 'jupyterhub_config.py'), ['c = get_config()', ...pyLines].join('\n'));
  const loaded = loadConfig({ file: 'jupyterhub_config.py', cwd: dir });
  const s = settingsFromConfig(loaded.config, authId);
  return createPolicy(s.authenticatorOptions, { allowAllByDefault: authId === 'dummy' }).settings;
}

test('DummyAuthenticator without allow_all lets everyone in, as in JupyterHub 5+ (the default is not pinned to false)', () => {
  assert.equal(policyFor(["c.JupyterHub.authenticator_class = 'dummy'"], 'dummy').allowAll, true);
  assert.equal(
    policyFor(
      ["c.JupyterHub.authenticator_class = 'dummy'", "c.Authenticator.allowed_users = {'a'}"],
      'dummy',
    ).allowAll,
    false,
    'allowed_users set: allow_all defaults to false',
  );
  assert.equal(
    policyFor(
      ["c.JupyterHub.authenticator_class = 'dummy'", 'c.Authenticator.allow_all = False'],
      'dummy',
    ).allowAll,
    false,
    'an explicit allow_all = False is kept',
  );
  assert.equal(policyFor([], 'native').allowAll, false, 'other authenticators: false');
});

test('Labhub.user_env_dir/user_env_requirements with a container spawner are refused as config errors saying what to do', () => {
  const settings = (spawner: string, key = 'user_env_dir') =>
    settingsFromConfig(
      loadConfig({
        overrides: { JupyterHub: { spawner_class: spawner }, Labhub: { [key]: '/srv/venv' } },
      }).config,
      'dummy',
    );
  for (const key of ['user_env_dir', 'user_env_requirements'])
    for (const spawner of ['docker', 'dockerspawner.DockerSpawner', 'kubespawner.KubeSpawner']) {
      let err: unknown = null;
      try {
        settings(spawner, key);
      } catch (e) {
        err = e;
      }
      assert.ok(isHubError(err) && err.code === 'LABHUB_ERR_CONFIG', `${spawner}: a config error`);
      assert.match(
        err.message,
        new RegExp(`Labhub\\.${key} is set, but JupyterHub\\.spawner_class = `),
      );
      assert.match(err.message, new RegExp(`in the image instead, or remove Labhub\\.${key}`));
    }
  assert.equal(settings('simple').userEnvDir, '/srv/venv');
  assert.equal(settings('localprocess').userEnvDir, '/srv/venv');
  assert.equal(settings('localprocess', 'user_env_requirements').userEnvRequirements, '/srv/venv');
  assert.equal(serversInContainers('localprocess'), false);
  assert.equal(serversInContainers('docker'), true);
  assert.equal(serversInContainers('kubespawner.KubeSpawner'), true);
});
