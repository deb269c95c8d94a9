import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from './index.js';

async function memStore(): Promise<Store> {
  return Store.open({ kind: 'sqlite', location: ':memory:' });
}

test('shares: grant merges scopes, revoke is partial or total, listings by owner / user (via groups) / group', async () => {
  const s = await memStore();
  const [alice, bob, carl] = [
    await s.users.create('alice'),
    await s.users.create('bob'),
    await s.users.create('carl'),
  ];
  const team = await s.groups.create('team');
  await s.groups.addMember(team.id, carl.id);
  const gpu = await s.servers.ensure(alice.id, 'gpu');
  const def = await s.servers.ensure(alice.id, '');
  await s.shares.grant(gpu.id, { userId: bob.id }, ['access:servers!server=alice/gpu']);
  const merged = await s.shares.grant(gpu.id, { userId: bob.id }, [
    'read:servers!server=alice/gpu',
    'access:servers!server=alice/gpu',
  ]);
  assert.deepEqual(merged.scopes, [
    'access:servers!server=alice/gpu',
    'read:servers!server=alice/gpu',
  ]);
  assert.deepEqual(
    [merged.server.ownerName, merged.server.name, merged.user?.name, merged.group],
    ['alice', 'gpu', 'bob', null],
  );
  await s.shares.grant(def.id, { groupId: team.id }, ['access:servers!server=alice/']);

  assert.equal((await s.shares.list({ ownerId: alice.id }, 0, 10)).total, 2);
  assert.equal(
    (await s.shares.list({ ownerId: alice.id, serverName: '' }, 0, 10)).shares[0].group?.name,
    'team',
  );
  assert.equal((await s.shares.list({ userId: carl.id, viaGroups: true }, 0, 10)).total, 1);
  assert.equal((await s.shares.list({ userId: carl.id, viaGroups: false }, 0, 10)).total, 0);
  assert.equal((await s.shares.list({ groupId: team.id }, 0, 10)).total, 1);
  const page = await s.shares.list({ ownerId: alice.id }, 1, 1);
  assert.deepEqual([page.total, page.shares.length], [2, 1]);
  assert.deepEqual(await s.shares.scopesForUser(carl.id), ['access:servers!server=alice/']);

  const left = await s.shares.revoke(gpu.id, { userId: bob.id }, ['read:servers!server=alice/gpu']);
  assert.deepEqual(left?.scopes, ['access:servers!server=alice/gpu']);
  assert.equal(await s.shares.revoke(gpu.id, { userId: bob.id }), null);
  assert.equal(await s.shares.get(gpu.id, { userId: bob.id }), null);
  // Deleting the server deletes its shares (foreign key cascade).
  await s.servers.delete(def.id);
  assert.equal((await s.shares.list({ groupId: team.id }, 0, 10)).total, 0);
  await s.close();
});

test('share codes: hashed, found by secret, expire, counted when exchanged', async () => {
  const s = await memStore();
  const alice = await s.users.create('alice');
  const erin = await s.users.create('erin');
  const srv = await s.servers.ensure(alice.id, '');
  const { record, code } = await s.shares.createCode(
    srv.id,
    ['access:servers!server=alice/'],
    3600,
  );
  assert.equal(code.length, 43);
  assert.equal((await s.shares.findCode(code))?.id, record.id);
  assert.equal(await s.shares.findCode(code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A')), null);
  const share = await s.shares.exchangeCode(code, erin.id);
  assert.equal(share?.user?.name, 'erin');
  assert.equal((await s.shares.codeById(record.id))?.exchangeCount, 1);
  const expired = await s.shares.createCode(srv.id, ['access:servers!server=alice/'], -1);
  assert.equal(await s.shares.findCode(expired.code), null, 'expired codes never match');
  assert.equal(
    (await s.shares.listCodes(alice.id, undefined, 0, 10)).total,
    1,
    'expired codes are not listed',
  );
  assert.equal(await s.shares.deleteCodes(srv.id, record.id), 1);
  assert.equal(await s.shares.deleteCodes(srv.id, record.id), 0);
  await s.close();
});

test('scoped lists restrict users by name and group and groups by name, in SQL, with paging', async () => {
  const s = await memStore();
  for (const n of ['a1', 'a2', 'b1', 'b2', 'c1']) await s.users.create(n);
  const gx = await s.groups.create('x');
  await s.groups.create('y');
  for (const n of ['a1', 'a2']) await s.groups.addMember(gx.id, (await s.users.byName(n))!.id);
  const names = async (r?: { users?: string[]; groups?: string[] }) =>
    (await s.users.list({ offset: 0, limit: 10, sort: 'name' }, r)).users.map((u) => u.name);
  assert.deepEqual(await names(), ['a1', 'a2', 'b1', 'b2', 'c1']);
  assert.deepEqual(await names({ groups: ['x'] }), ['a1', 'a2']);
  assert.deepEqual(await names({ users: ['c1'], groups: ['x'] }), ['a1', 'a2', 'c1']);
  assert.deepEqual(
    await names({ users: [], groups: [] }),
    [],
    'a filter naming nothing shows nothing',
  );
  const paged = await s.users.list(
    { offset: 1, limit: 1, sort: 'name', nameFilter: 'A' },
    { groups: ['x'] },
  );
  assert.deepEqual([paged.total, paged.users.map((u) => u.name)], [2, ['a2']]);
  assert.deepEqual(
    (await s.groups.list(0, 10, ['y'])).groups.map((g) => g.name),
    ['y'],
  );
  assert.equal((await s.groups.list(0, 10)).total, 2);
  assert.deepEqual((await s.groups.memberNamesOfGroups([gx.id])).get(gx.id), ['a1', 'a2']);
  await s.apiServices.put('svc', { url: 'http://127.0.0.1:1' });
  assert.deepEqual(await s.apiServices.all(), [
    { name: 'svc', spec: { url: 'http://127.0.0.1:1' } },
  ]);
  await s.apiServices.delete('svc');
  assert.deepEqual(await s.apiServices.all(), []);
  await s.close();
});
