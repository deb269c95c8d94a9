import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, parseDbUrl } from './index.js';

test('leader lease: one holder at a time; taken over when expired or when the holder left', async () => {
  const store = await Store.open(parseDbUrl('sqlite://'));
  try {
    const r = store.replicas;
    const row = (id: string, now: number) => ({
      id,
      host: 'h',
      pid: 1,
      hubUrl: 'http://x',
      version: 'v',
      startedMs: now,
      heartbeatMs: now,
    });
    const now = await r.nowMs();
    assert.ok(Math.abs(now - Date.now()) < 60_000, "the database's clock, in ms since the epoch");
    await r.register(row('a', now));
    await r.register(row('b', now));
    assert.equal(await r.tryLead('a', now, 10_000), true, 'nobody held it');
    assert.equal(await r.tryLead('b', now + 5_000, 10_000), false, 'held by a');
    assert.equal(await r.tryLead('a', now + 5_000, 10_000), true, 'a renews');
    assert.equal(await r.tryLead('b', now + 14_000, 10_000), false, 'renewed until now + 15 s');
    assert.equal(await r.tryLead('b', now + 15_001, 10_000), true, 'expired: b takes it');
    assert.deepEqual(await r.lease(), { replicaId: 'b', expiresMs: now + 25_001 });
    // b leaves without resigning (its row removed as dead): a may lead at once.
    await r.remove('b');
    assert.equal(await r.tryLead('a', now + 15_002, 10_000), true);
    await r.resign('a');
    assert.equal((await r.lease())?.replicaId, '');
    // Heartbeats and dead replicas.
    assert.equal(await r.heartbeat('a', now + 20_000), true);
    assert.equal(await r.heartbeat('gone', now + 20_000), false);
    await r.register(row('c', now));
    assert.deepEqual(await r.removeStale(now + 1), ['c']);
    assert.deepEqual(
      (await r.list()).map((x) => x.id),
      ['a'],
    );
  } finally {
    await store.close();
  }
});

test('servers: compare-and-set start, finish and stop; one adopter per orphan', async () => {
  const store = await Store.open(parseDbUrl('sqlite://'));
  try {
    const u = await store.users.create('cas');
    const s = await store.servers.ensure(u.id, '');
    assert.equal((await store.servers.ensure(u.id, '')).id, s.id, 'ensure twice: one row');
    assert.equal(await store.servers.claimForSpawn(s.id, 'a', {}), true);
    assert.equal(await store.servers.claimForSpawn(s.id, 'b', {}), false, 'already spawning');
    assert.equal(await store.servers.finishSpawn(s.id, 'b', {}), false, 'not b’s spawn');
    assert.equal(
      await store.servers.claimForStop(s.id, 'spawning'),
      true,
      'a stop during the spawn',
    );
    assert.equal(await store.servers.finishSpawn(s.id, 'a', {}), false, 'the spawn sees the stop');
    await store.servers.update(s.id, { status: 'running' });
    assert.deepEqual(
      (await store.servers.orphaned(['b'])).map((x) => x.id),
      [s.id],
      "a's server is an orphan when a is not live",
    );
    assert.equal(await store.servers.claimOwner(s.id, 'a', 'b'), true);
    assert.equal(await store.servers.claimOwner(s.id, 'a', 'c'), false, 'one adopter');
    assert.equal(await store.servers.claimForStop(s.id, 'running', 'c'), true);
    assert.equal(await store.servers.claimForStop(s.id, 'running', 'b'), false, 'one stopper');
    assert.equal((await store.servers.byId(s.id))?.ownerReplica, 'c');
  } finally {
    await store.close();
  }
});

test('servers: claimOwners takes over many orphans of one owner at once, one adopter each', async () => {
  const store = await Store.open(parseDbUrl('sqlite://'));
  try {
    const ids: number[] = [];
    for (const name of ['m1', 'm2', 'm3', 'm4']) {
      const u = await store.users.create(name);
      const s = await store.servers.ensure(u.id, '');
      await store.servers.claimForSpawn(s.id, name === 'm4' ? 'other' : 'a', {});
      await store.servers.update(s.id, { status: 'running' });
      ids.push(s.id);
    }
    await store.servers.update(ids[2]!, { status: 'stopped' });
    assert.deepEqual(
      [...(await store.servers.claimOwners(ids, 'a', 'b'))].sort(),
      [ids[0], ids[1]].sort(),
      "a's active servers only (not the stopped one, not another owner's)",
    );
    assert.equal((await store.servers.claimOwners(ids, 'a', 'c')).size, 0, 'one adopter');
    assert.equal((await store.servers.byId(ids[0]!))?.ownerReplica, 'b');
    assert.equal((await store.servers.byId(ids[3]!))?.ownerReplica, 'other');
  } finally {
    await store.close();
  }
});
