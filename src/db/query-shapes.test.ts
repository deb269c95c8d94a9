import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from './index.js';
import { openDb, migrateToLatest } from './connection.js';
import { QueryShapes } from './query-shapes.js';

test('a query shape runs with each call’s values in its slots and keeps its constants', async () => {
  const db = await openDb({ kind: 'sqlite', location: ':memory:' });
  await migrateToLatest(db);
  for (const [name, admin] of [
    ['ann', 1],
    ['bob', 0],
    ['cid', 0],
  ] as const)
    await db
      .insertInto('users')
      .values({ name, admin, created: new Date().toISOString(), cookie_id: name })
      .execute();
  const shapes = new QueryShapes(db);
  const namesIn = (names: string[]) =>
    shapes.run(`t:${names.length}`, names, (slot) =>
      db
        .selectFrom('users')
        .select('name')
        .where('admin', '=', 0) // a constant: stays a parameter of the compiled query
        .where(
          'name',
          'in',
          Array.from(names, (_, i) => slot(i)),
        )
        .orderBy('name'),
    );
  assert.deepEqual(await namesIn(['bob', 'ann']), [{ name: 'bob' }]);
  // Same shape (two names), other values: not the first call's result.
  assert.deepEqual(await namesIn(['cid', 'bob']), [{ name: 'bob' }, { name: 'cid' }]);
  assert.deepEqual(await namesIn(['cid']), [{ name: 'cid' }]);
  // A slot the query does not use is refused instead of run with a placeholder.
  await assert.rejects(
    shapes.run('bad', ['x', 'y'], (slot) =>
      db.selectFrom('users').selectAll().where('name', '=', slot(0)),
    ),
    /slot 1 is not one parameter/,
  );
  await db.destroy();
});

test('user listings give the same pages through the compiled shapes, for each sort and state', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  await store.users.createMany(['d', 'a', 'c', 'b', 'e']);
  const ids = (await store.users.list({ offset: 0, limit: 10 })).users.map((u) => u.name);
  assert.deepEqual(ids, ['d', 'a', 'c', 'b', 'e']);
  const page = async (q: Parameters<typeof store.users.list>[0]) => {
    const r = await store.users.list(q);
    return { names: r.users.map((u) => u.name), total: r.total };
  };
  assert.deepEqual(await page({ offset: 1, limit: 2, sort: 'name' }), {
    names: ['b', 'c'],
    total: 5,
  });
  assert.deepEqual(await page({ offset: 0, limit: 2, sort: 'name', descending: true }), {
    names: ['e', 'd'],
    total: 5,
  });
  // Same shape as the previous call, other offset and limit.
  assert.deepEqual(await page({ offset: 3, limit: 1, sort: 'name', descending: true }), {
    names: ['b'],
    total: 5,
  });
  assert.deepEqual(await page({ offset: 0, limit: 10, state: 'active' }), { names: [], total: 0 });
  assert.deepEqual(await page({ offset: 0, limit: 3, state: 'inactive' }), {
    names: ['d', 'a', 'c'],
    total: 5,
  });
  // Two active servers of one user count it once; a stopped server does not count.
  const [a, b] = await store.users.byNames(['a', 'b']);
  for (const [user, name, status] of [
    [a!, '', 'running'],
    [a!, 'gpu', 'spawning'],
    [b!, '', 'stopped'],
  ] as const) {
    const rec = await store.servers.ensure(user.id, name);
    await store.servers.update(rec.id, { status });
  }
  assert.deepEqual(await page({ offset: 0, limit: 10, state: 'active' }), {
    names: ['a'],
    total: 1,
  });
  assert.deepEqual(await page({ offset: 0, limit: 10, state: 'inactive' }), {
    names: ['d', 'c', 'b', 'e'],
    total: 4,
  });
  await store.close();
});

test('a page’s groups and roles: none read without members or assignments, then each user’s own', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const users = await store.users.createMany(['a', 'b', 'c']);
  const ids = users.map((u) => u.id);
  assert.equal((await store.groups.groupNamesOfUsers(ids)).size, 0);
  assert.equal((await store.users.roleNamesOf(ids)).size, 0);
  const g = await store.groups.create('g');
  await store.groups.addMember(g.id, users[1]!.id);
  const r = await store.roles.upsert('r', '', ['read:users']);
  await store.roles.assign(r.id, 'user', users[2]!.id);
  assert.deepEqual([...(await store.groups.groupNamesOfUsers(ids))], [[users[1]!.id, ['g']]]);
  assert.deepEqual([...(await store.users.roleNamesOf(ids))], [[users[2]!.id, ['r']]]);
  await store.close();
});

test('compiled server writes: one shape per SET column list, values in their own columns, CAS answers', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const [u] = await store.users.createMany(['a']);
  const s = store.servers;
  const rec = await s.ensure(u!.id, '', null);
  assert.equal((await s.ensure(u!.id, '')).id, rec.id);
  assert.equal(await s.claimForSpawn(rec.id, 'r1', { userOptions: { x: 1 } }), true);
  assert.equal(await s.claimForSpawn(rec.id, 'r1', {}), false);
  // Two column lists of the same kind, then the first again with other values.
  assert.equal(await s.updateIfOwner(rec.id, 'r1', { target: 'http://t1' }), true);
  assert.equal(
    await s.updateIfOwner(rec.id, 'r1', { state: { pid: 7 }, target: 'http://t2' }),
    true,
  );
  assert.equal(await s.updateIfOwner(rec.id, 'r2', { target: 'http://nope' }), false);
  assert.equal(await s.updateIfOwner(rec.id, 'r1', { target: 'http://t3' }), true);
  assert.equal(await s.finishSpawn(rec.id, 'r2', { serverVersion: '1' }), false);
  assert.equal(await s.finishSpawn(rec.id, 'r1', { serverVersion: '2' }), true);
  const now = await s.byId(rec.id);
  assert.deepEqual(
    [now?.status, now?.target, now?.state, now?.userOptions, now?.serverVersion, now?.ownerReplica],
    ['running', 'http://t3', { pid: 7 }, { x: 1 }, '2', 'r1'],
  );
  assert.equal(await s.claimForStop(rec.id, 'spawning'), false);
  assert.equal(await s.claimForStop(rec.id, 'running', 'r3'), true);
  assert.equal((await s.get(u!.id, ''))?.ownerReplica, 'r3');
  await store.close();
});
