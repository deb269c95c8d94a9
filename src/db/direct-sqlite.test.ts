import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from './index.js';
import { QueryShapes } from './query-shapes.js';

test('a compiled read waits for an open transaction instead of seeing its uncommitted rows', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  let inserted!: () => void;
  const insertedP = new Promise<void>((r) => (inserted = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const trx = store.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('users')
      .values({ name: 'zed', admin: 0, created: new Date().toISOString(), cookie_id: 'z' })
      .execute();
    inserted();
    await gate;
    throw new Error('roll back');
  });
  await insertedP;
  const read = store.users.byName('zed'); // a query shape on the database, not the transaction
  release();
  await assert.rejects(trx, /roll back/);
  assert.equal(await read, null);
  // Outside a transaction the same shape answers at once, with the committed rows.
  await store.users.createMany(['zed']);
  assert.equal((await store.users.byName('zed'))?.name, 'zed');
  await store.close();
});

test('a page’s servers by id range are the servers its `in` list reads; spread ids use the list', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const users = await store.users.createMany(['a', 'b', 'c', 'd', 'e', 'f']);
  const ids = users.map((u) => u.id);
  for (const [i, name] of [
    [0, ''],
    [1, 'x'],
    [1, ''],
    [3, ''],
    [5, 'y'],
  ] as const)
    await store.servers.ensure(ids[i]!, name);
  const same = async (page: number[]) =>
    assert.deepEqual(
      await store.users.pageServersInRange(page),
      await store.servers.forUsers(page),
      `page ${page.join(',')}`,
    );
  await same(ids); // consecutive
  await same([ids[1]!, ids[3]!, ids[4]!]); // a gap: users 2 (between) is read and left out
  await same([ids[4]!, ids[0]!, ids[3]!]); // unordered
  assert.equal(await store.users.pageServersInRange([ids[0]!, ids[5]!]), null); // spread out
  assert.equal((await store.users.pageServersInRange([]))?.size, 0);
  await store.close();
});

test('whether a page needs its role and group queries: one statement, following the tables', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const [a, b] = await store.users.createMany(['a', 'b']);
  assert.deepEqual(await store.users.pageExtrasNeeded(), { roles: false, groups: false });
  const g = await store.groups.create('g');
  await store.groups.addMember(g.id, a!.id);
  assert.deepEqual(await store.users.pageExtrasNeeded(), { roles: false, groups: true });
  const r = await store.roles.upsert('r', '', ['read:users']);
  await store.roles.assign(r.id, 'user', b!.id);
  assert.deepEqual(await store.users.pageExtrasNeeded(), { roles: true, groups: true });
  await store.close();
});

test('raw rows: the selected columns in order, directly and through Kysely inside a transaction', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  await store.users.createMany(['a', 'b']);
  const shapes = new QueryShapes(store.db);
  const build = (slot: (i: number) => never) =>
    store.db.selectFrom('users').select(['users.name', 'users.id']).where('id', '>=', slot(0));
  assert.deepEqual(await shapes.runRaw('t', [1], build), [
    ['a', 1],
    ['b', 2],
  ]);
  // The statement is back to objects for the next caller of the same SQL.
  assert.deepEqual(await shapes.run('t', [2], build), [{ name: 'b', id: 2 }]);
  await store.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('users').where('id', '=', 99).execute();
    const during = new QueryShapes(tx as unknown as typeof store.db);
    assert.deepEqual(await during.runRaw('t', [2], build), [['b', 2]]);
  });
  await store.close();
});
