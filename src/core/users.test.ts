import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { silentLogger } from '../log.js';
import { createPolicy } from '../auth/policy.js';
import type { Authenticator } from '../auth/types.js';
import type { LoginService } from './login.js';
import { UserService } from './users.js';

/** A UserService over an in-memory store; `auth` records the authenticator hooks called. */
async function setup(authOptions: Record<string, unknown> = {}, failAdd = false) {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const calls: string[] = [];
  const authenticator = {
    addUser: (name: string) => {
      calls.push(`add ${name}`);
      if (failAdd) throw new Error('no such account');
      return Promise.resolve();
    },
    renameUser: (from: string, to: string) => {
      calls.push(`rename ${from} ${to}`);
      return Promise.resolve();
    },
    deleteUser: (name: string) => {
      calls.push(`delete ${name}`);
      return Promise.resolve();
    },
  } as unknown as Authenticator;
  const policy = createPolicy(authOptions);
  // Only what UserService reads of the login service (a stand-in for unit tests).
  const login = {
    authenticator,
    authenticatorId: 'dummy',
    policy,
    normalize: (n: string) => policy.normalize(n),
  } as unknown as LoginService;
  const stopped: string[] = [];
  const spawns = {
    stop: (u: { name: string }, s: string) => {
      stopped.push(`${u.name}/${s}`);
      return Promise.resolve();
    },
  };
  const users = new UserService({ store, login, log: silentLogger(), spawns });
  return { store, users, calls, stopped };
}

test('a new user gets the normalized name, and an existing one is a 409', async () => {
  const { users, calls } = await setup({ username_map: { Chief: 'boss' } });
  assert.equal((await users.createOne('  Alice ', { admin: false })).name, 'alice');
  assert.equal((await users.createOne('chief', { admin: true })).name, 'boss');
  await assert.rejects(users.createOne('ALICE', { admin: false }), { status: 409 });
  assert.deepEqual(calls, ['add alice', 'add boss']);
});

test("names the hub's rules refuse are a 400 naming the name, before anything is stored", async () => {
  const { users, store } = await setup({ username_pattern: '^[a-z]+$' });
  await assert.rejects(users.createOne('a/b', { admin: false }), {
    status: 400,
    userMessage: /Invalid username 'a\/b': the username contains "\/"/,
  });
  await assert.rejects(
    async () => users.createMany(users.normalizeNames(['ok', 'x1']), { admin: false }),
    {
      status: 400,
      userMessage: /username_pattern/,
    },
  );
  assert.equal((await store.users.list({ offset: 0, limit: 10 })).total, 0);
});

test('a failing add-user hook removes the user again and says why (400)', async () => {
  const { users, store } = await setup({}, true);
  await assert.rejects(users.createOne('alice', { admin: false }), {
    status: 400,
    userMessage: 'Failed to create user alice: no such account',
  });
  assert.equal(await store.users.byName('alice'), null);
});

test('renaming normalizes the new name, refuses a taken or invalid one, and renames in the authenticator', async () => {
  const { users, store, calls } = await setup();
  const alice = await store.users.create('alice');
  await store.users.create('bob');
  await assert.rejects(users.update(alice, { name: 'Bob' }), {
    status: 400,
    userMessage: 'User bob already exists, cannot rename alice',
  });
  await assert.rejects(users.update(alice, { name: '..' }), { status: 400 });
  const renamed = await users.update(alice, { name: 'Carol', admin: true, authState: { k: 1 } });
  assert.deepEqual([renamed.name, renamed.admin, renamed.authState], ['carol', true, { k: 1 }]);
  assert.deepEqual(calls, ['rename alice carol']);
});

test('deleting a user stops their running servers first and refuses while one is pending', async () => {
  const { users, store, stopped, calls } = await setup();
  const alice = await store.users.create('alice');
  const def = await store.servers.ensure(alice.id, '');
  await store.servers.update(def.id, { status: 'spawning' });
  await assert.rejects(users.delete(alice), {
    status: 400,
    userMessage: /server \(default\) is pending/,
  });
  await store.servers.update(def.id, { status: 'running' });
  await users.delete(alice);
  assert.deepEqual(stopped, ['alice/']);
  assert.deepEqual(calls, ['delete alice']);
  assert.equal(await store.users.byName('alice'), null);
  await assert.rejects(users.get('alice'), { status: 404, userMessage: 'No such user: alice' });
});
