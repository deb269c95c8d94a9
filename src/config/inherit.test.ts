import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from './load.js';
import { classChain, classForId, isExplicit, traitsFor } from './inherit.js';
import { fromObject } from './sources.js';
import type { PAMAuthenticatorTraits } from './schema.js';

const load = (obj: Record<string, Record<string, unknown>>) =>
  buildConfig(fromObject(obj, 'labhub.yaml'), null).config;

test('traitsFor merges a class chain, most general first, later wins, defaults of the leaf', () => {
  const config = load({
    Authenticator: { admin_users: ['root'], allowed_users: ['a'] },
    LocalAuthenticator: { allowed_groups: ['jupyter'] },
    PAMAuthenticator: { admin_users: ['pamadmin'] },
    DummyAuthenticator: { password: 'pw' },
  });
  const pam = traitsFor<PAMAuthenticatorTraits>(config, classChain('PAMAuthenticator'));
  assert.deepEqual(pam.admin_users, ['pamadmin']);
  assert.deepEqual(pam.allowed_users, ['a']);
  assert.deepEqual(pam.allowed_groups, ['jupyter']);
  assert.equal(pam.service, 'login');
  assert.equal(pam.allow_existing_users, true);
  assert.ok(!('password' in pam));
  assert.ok(Object.isFrozen(pam) && Object.isFrozen(pam.admin_users));
  const dummy = traitsFor(config, ['Authenticator', 'DummyAuthenticator']);
  assert.equal(dummy.password, 'pw');
  assert.deepEqual(dummy.admin_users, ['root']);
  assert.ok(!('allowed_groups' in dummy));
  // The root section alone keeps the Authenticator's own values.
  assert.deepEqual(config.Authenticator.admin_users, ['root']);
});

test('derived defaults follow the merged values, not the base section', () => {
  // allow_existing_users = None: JupyterHub 5's rule, true exactly when allowed_users is set.
  const config = load({
    Authenticator: { allowed_users: [] },
    PAMAuthenticator: { allow_existing_users: null, allowed_users: ['x'] },
  });
  assert.equal(traitsFor(config, classChain('PAMAuthenticator')).allow_existing_users, true);
  const none = load({ PAMAuthenticator: { allow_existing_users: null } });
  assert.equal(traitsFor(none, classChain('PAMAuthenticator')).allow_existing_users, false);
  const unset = load({ PAMAuthenticator: { allowed_users: ['x'] } });
  assert.equal(
    traitsFor(unset, classChain('PAMAuthenticator')).allow_existing_users,
    true,
    "labhub's default: users already in the hub database may log in",
  );
  const explicit = load({
    Authenticator: { allow_existing_users: false },
    PAMAuthenticator: { allowed_users: ['x'] },
  });
  assert.equal(traitsFor(explicit, classChain('PAMAuthenticator')).allow_existing_users, false);
});

test('spawner chain: LocalProcessSpawner settings override Spawner', () => {
  const config = load({
    Spawner: { start_timeout: 10, ip: '*' },
    LocalProcessSpawner: { start_timeout: 20 },
  });
  assert.equal(traitsFor(config, classChain('SimpleLocalProcessSpawner')).start_timeout, 20);
  assert.equal(traitsFor(config, ['Spawner']).start_timeout, 10);
  assert.equal(traitsFor(config, ['Spawner']).ip, '');
});

test('class ids and JupyterHub class paths map to config classes', () => {
  assert.equal(classForId('pam'), 'PAMAuthenticator');
  assert.equal(classForId('jupyterhub.auth.PAMAuthenticator'), 'PAMAuthenticator');
  assert.equal(classForId('nativeauthenticator.NativeAuthenticator'), 'NativeAuthenticator');
  assert.equal(classForId('dummy'), 'DummyAuthenticator');
  assert.equal(classForId('localprocess'), 'LocalProcessSpawner');
  assert.equal(classForId('simple'), 'SimpleLocalProcessSpawner');
  assert.equal(classForId('./my-plugin.js'), null);
  assert.deepEqual(classChain('PAMAuthenticator'), [
    'Authenticator',
    'LocalAuthenticator',
    'PAMAuthenticator',
  ]);
  assert.throws(() => traitsFor(load({}), ['Nope']), TypeError);
});

test('a root class alone returns its loaded section; isExplicit tells set from default', () => {
  const config = load({ JupyterHub: { port: 8080 }, Authenticator: { whitelist: ['a'] } });
  assert.equal(traitsFor(config, ['JupyterHub']).bind_url, 'http://:8080/');
  assert.equal(isExplicit(config, 'JupyterHub', 'port'), true);
  assert.equal(isExplicit(config, 'JupyterHub', 'hub_port'), false);
  assert.equal(isExplicit(config, 'Authenticator', 'allowed_users'), true);
  assert.equal(isExplicit(config, 'Authenticator', 'allow_all'), false);
});
