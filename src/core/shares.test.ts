import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { silentLogger } from '../log.js';
import { Permissions } from './rbac/permissions.js';
import { ShareService } from './shares.js';
import { ShareCodeService } from './share-codes.js';

async function setup() {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const permissions = new Permissions(store, silentLogger(), {
    loadRoles: [],
    extraUserScopes: [],
    customScopes: {},
  });
  await permissions.init();
  const shares = new ShareService({ ...reposOf(store), permissions });
  const codes = new ShareCodeService({ shares: store.shares, shareRules: shares });
  const alice = await store.users.create('alice');
  const bob = await store.users.create('bob');
  const team = await store.groups.create('team');
  return { store, shares, codes, alice, bob, team, permissions };
}

const reposOf = (s: Store) => ({
  users: s.users,
  groups: s.groups,
  servers: s.servers,
  shares: s.shares,
});

/** A granter holding everything on alice's servers and the names of users and groups. */
const owner = {
  kind: 'user' as const,
  name: 'alice',
  scopes: new Set([
    'access:servers!server=alice/',
    'read:servers!server=alice/',
    'access:servers!server=alice/gpu',
    'read:users:name',
    'read:groups:name',
  ]),
};

test('a share defaults to access to that one server and makes the default server record on demand', async () => {
  const { shares, store, alice } = await setup();
  const share = await shares.grant(owner, alice, '', { user: 'bob' });
  assert.deepEqual(share.scopes, ['access:servers!server=alice/']);
  assert.equal(share.user?.name, 'bob');
  assert.ok(await store.servers.get(alice.id, ''));
  await assert.rejects(shares.grant(owner, alice, 'gpu', { user: 'bob' }), {
    status: 404,
    userMessage: "alice has no server named 'gpu'",
  });
});

test('shared scopes must be valid, filtered on exactly the shared server, and held by the granter', async () => {
  const { shares, alice } = await setup();
  await assert.rejects(shares.grant(owner, alice, '', { user: 'bob', scopes: 'x' }), {
    status: 400,
  });
  await assert.rejects(shares.grant(owner, alice, '', { user: 'bob', scopes: [] }), {
    status: 400,
    userMessage: /must not be empty/,
  });
  await assert.rejects(
    shares.grant(owner, alice, '', { user: 'bob', scopes: ['access:servers!server=bob/'] }),
    { status: 400, userMessage: /expected 'access:servers!server=alice\/'/ },
  );
  await assert.rejects(
    shares.grant(owner, alice, '', { user: 'bob', scopes: ['admin:servers!server=alice/'] }),
    { status: 403, userMessage: /user alice does not hold them/ },
  );
});

test('a share goes to exactly one existing user (not the owner) or group whose name the granter may read', async () => {
  const { shares, alice } = await setup();
  const grant = (spec: object, by = owner) => shares.grant(by, alice, '', spec);
  await assert.rejects(grant({}), { status: 400, userMessage: /exactly one of "user" or "group"/ });
  await assert.rejects(grant({ user: 'bob', group: 'team' }), { status: 400 });
  await assert.rejects(grant({ user: 'ghost' }), {
    status: 400,
    userMessage: 'No such user: ghost',
  });
  await assert.rejects(grant({ user: 'alice' }), { status: 400, userMessage: /with its owner/ });
  await assert.rejects(grant({ group: 'nope' }), {
    status: 400,
    userMessage: 'No such group: nope',
  });
  const blind = { ...owner, scopes: new Set(['access:servers!server=alice/']) };
  await assert.rejects(grant({ user: 'bob' }, blind), {
    status: 403,
    userMessage: /read:users:name/,
  });
  await assert.rejects(grant({ group: 'team' }, blind), {
    status: 403,
    userMessage: /read:groups:name/,
  });
  assert.equal((await grant({ group: 'team' })).group?.name, 'team');
});

test('revoking: some scopes, everything, or all shares of a server; listings by owner and by recipient', async () => {
  const { shares, alice, bob, store } = await setup();
  await store.servers.ensure(alice.id, 'gpu');
  await shares.grant(owner, alice, 'gpu', {
    user: 'bob',
    scopes: ['access:servers!server=alice/gpu'],
  });
  await shares.grant(owner, alice, '', { group: 'team' });
  assert.equal((await shares.ofOwner(alice, undefined, 0, 10)).total, 2);
  assert.equal((await shares.ofOwner(alice, 'gpu', 0, 10)).total, 1);
  await assert.rejects(shares.ofOwner(alice, 'none', 0, 10), { status: 404 });
  assert.equal((await shares.sharedWith({ user: bob }, 0, 10)).total, 1);
  const held = await shares.heldBy({ userId: bob.id }, 'alice', 'gpu');
  assert.ok(held);
  assert.equal(await shares.heldBy({ userId: bob.id }, 'alice', ''), null);
  assert.equal(await shares.revoke(owner, alice, 'gpu', { user: 'bob' }), null);
  assert.equal(await shares.revoke(owner, alice, 'missing', { user: 'bob' }), null);
  await shares.revokeAll(alice, '');
  assert.equal((await shares.ofOwner(alice, undefined, 0, 10)).total, 0);
});

test('share codes: one minute to one year (a day by default), revocable by id or code, never accepted by the owner', async () => {
  const { codes, alice, bob } = await setup();
  for (const bad of [59, 365 * 24 * 3600 + 1, 'soon'])
    await assert.rejects(codes.create(owner, alice, '', { expires_in: bad }), { status: 400 });
  const { record, code } = await codes.create(owner, alice, '', {});
  const left = (record.expiresAt!.getTime() - Date.now()) / 1000;
  assert.ok(left > 24 * 3600 - 60 && left <= 24 * 3600, `expires in ${left} s`);
  await assert.rejects(codes.accept(code, alice), { status: 403 });
  await assert.rejects(codes.accept('not-a-code', bob), { status: 404 });
  const found = await codes.accept(code, bob);
  assert.equal(found.server.ownerName, 'alice');
  await assert.rejects(codes.revoke(alice, '', { id: 'sc_999' }), { status: 404 });
  await assert.rejects(codes.revoke(alice, '', { code: 'wrong-code-1234' }), { status: 404 });
  await codes.revoke(alice, '', { id: `sc_${record.id}` });
  assert.equal((await codes.list(alice, undefined, 0, 10)).total, 0);
  await assert.rejects(codes.revoke(alice, 'gpu', {}), { status: 404 });
});
