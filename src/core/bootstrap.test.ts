import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { createPolicy } from '../auth/policy.js';
import { Bootstrap } from './bootstrap.js';

async function setup(authOptions: Record<string, unknown> = {}) {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const policy = createPolicy(authOptions);
  const bootstrap = new Bootstrap({
    users: store.users,
    groups: store.groups,
    tokens: store.tokens,
    normalize: policy.normalize,
  });
  return { store, bootstrap };
}

test('admin_users and load_groups members are stored under the authenticator-normalized name', async () => {
  const { store, bootstrap } = await setup({ username_map: { Chief: 'boss' } });
  await store.users.create('carol');
  await bootstrap.seedUsersAndGroups({
    adminUsers: ['Alice', ' Chief ', 'carol'],
    loadGroups: { Team: { users: ['BOB', 'alice'], properties: { gpu: 1 } } },
  });
  const all = (await store.users.list({ offset: 0, limit: 10, sort: 'name' })).users;
  assert.deepEqual(
    all.map((u) => [u.name, u.admin]),
    [
      ['alice', true],
      ['bob', false],
      ['boss', true],
      ['carol', true],
    ],
  );
  const team = (await store.groups.byName('Team'))!;
  assert.deepEqual(await store.groups.memberNames(team.id), ['alice', 'bob']);
  assert.deepEqual(team.properties, { gpu: 1 });
});

test('a seeded name that breaks the name rules fails naming the key and the name', async () => {
  const { bootstrap } = await setup();
  await assert.rejects(bootstrap.seedUsersAndGroups({ adminUsers: ['a/b'], loadGroups: {} }), {
    code: 'LABHUB_ERR_CONFIG',
    userMessage: /Authenticator\.admin_users "a\/b": the username contains "\/"/,
  });
});

test("services' api_token become their tokens, replaced when it changes; a short one is refused", async () => {
  const { store, bootstrap } = await setup();
  await bootstrap.seedServiceTokens([{ name: 'svc', apiToken: 'first-token' }]);
  await bootstrap.seedServiceTokens([{ name: 'svc', apiToken: 'second-token' }]);
  const held = await store.tokens.forService('svc');
  assert.equal(held.length, 1);
  assert.equal((await store.tokens.find('second-token'))?.serviceName, 'svc');
  assert.equal(await store.tokens.find('first-token'), null, 'the old token is gone');
  await store.tokens.create({ serviceName: 'svc', scopes: ['read:users'], note: 'made by svc' });
  await bootstrap.seedServiceTokens([{ name: 'svc', apiToken: 'second-token' }]);
  assert.deepEqual(
    (await store.tokens.forService('svc')).map((t) => t.id),
    [held[0]!.id],
    'the same token again: its row is kept (as JupyterHub does), the others still go',
  );
  await assert.rejects(bootstrap.seedServiceTokens([{ name: 'svc', apiToken: 'short' }]), {
    code: 'LABHUB_ERR_CONFIG',
    userMessage: /api_token is too short/,
  });
  await assert.rejects(bootstrap.seedServiceTokens([{ name: '', apiToken: null }]), {
    userMessage: /every service needs a name/,
  });
});

test('--admin and labhub token name their user as the authenticator does, and refuse bad names', async () => {
  const { store, bootstrap } = await setup({ username_map: { chief: 'boss' } });
  await store.users.create('root2');
  const admin = await bootstrap.admin(' Root2', '--admin');
  assert.deepEqual([admin.name, admin.admin], ['root2', true]);
  assert.equal((await store.users.byName('root2'))?.admin, true);
  const owner = await bootstrap.user('Chief', 'labhub token');
  assert.deepEqual([owner.name, owner.admin], ['boss', false]);
  await assert.rejects(bootstrap.admin('..', '--admin'), {
    code: 'LABHUB_ERR_CONFIG',
    userMessage: /^--admin "\.\.": the username is "\.\."/,
  });
});
