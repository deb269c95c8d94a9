/**
 * The accounting's storage and roll-up on both databases (SQLite and a real PostgreSQL), with
 * a hand-moved clock: sessions, samples, hourly buckets, reports, spawn percentiles, pruning.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { UsageAccounting } from '../../src/core/usage/accounting.js';
import { ManualClock } from '../../src/core/usage/clock.js';
import { usageReport, reportRange } from '../../src/core/usage/reports.js';
import { silentLogger } from '../../src/log.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(() => pg?.stop());

async function scenario(store: Store): Promise<void> {
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const cpu = new Map<number, number>();
  const running = new Set<number>();
  const acc = new UsageAccounting({
    store,
    log: silentLogger(),
    clock,
    settings: { sampleInterval: 300, rawRetentionHours: 1, retentionDays: 30 },
    spawnerId: 'test',
    running: () =>
      [...running].map((serverId) => ({
        serverId,
        usage: async () => ({
          cpuSeconds: cpu.get(serverId) ?? 0,
          memoryBytes: serverId * 1e6,
          source: 'proc' as const,
        }),
      })),
  });
  const ann = await store.users.create('ann');
  const ben = await store.users.create('ben');
  const g = await store.groups.create('lab');
  await store.groups.addMember(g.id, ann.id);
  const sa = await store.servers.ensure(ann.id, '');
  const sb = await store.servers.ensure(ben.id, 'gpu');
  await acc.requested({
    serverId: sa.id,
    userId: ann.id,
    userName: 'ann',
    serverName: '',
    userOptions: { image: 'py312' },
  });
  clock.advance(4_000); // a 4 s spawn
  await acc.ready(sa.id);
  running.add(sa.id);
  await acc.requested({
    serverId: sb.id,
    userId: ben.id,
    userName: 'ben',
    serverName: 'gpu',
    userOptions: {},
  });
  clock.advance(30_000);
  await acc.ended(sb.id, { reason: 'failed', detail: 'timeout' });
  // ann's server burns 60 CPU seconds per 5 minutes for 90 minutes.
  for (let i = 0; i < 18; i++) {
    clock.advance(300_000);
    cpu.set(sa.id, (cpu.get(sa.id) ?? 0) + 60);
    await acc.tick();
  }
  running.delete(sa.id);
  await acc.ended(sa.id, { reason: 'stopped' });
  clock.advance(3 * 3_600_000);
  await acc.tick();

  const range = reportRange('2026-03-01', '2026-03-02', clock.now());
  const r = await usageReport(store, { ...range, by: 'user', offset: 0, limit: 10 });
  assert.equal(r.total, 1);
  const [row] = r.items;
  assert.equal(row.key, 'ann');
  // 10:00:04 → 11:30:34 running.
  assert.equal(row.server_hours, Math.round(((90 * 60 + 30) / 3600) * 1e4) / 1e4);
  assert.equal(row.cpu_hours, Math.round(((18 * 60) / 3600) * 1e6) / 1e6);
  assert.equal(row.memory_peak_bytes, sa.id * 1e6);
  assert.equal(row.memory_average_bytes, sa.id * 1e6);
  const byGroup = await usageReport(store, { ...range, by: 'group', offset: 0, limit: 10 });
  assert.deepEqual(
    byGroup.items.map((x) => [x.key, x.users]),
    [['lab', 1]],
  );
  const byProfile = await usageReport(store, { ...range, by: 'profile', offset: 0, limit: 10 });
  assert.deepEqual(
    byProfile.items.map((x) => x.key),
    ['py312'],
  );
  const spawns = await store.usageReports.spawns(range.from.toISOString(), range.to.toISOString());
  assert.equal(spawns.requested, 2);
  assert.equal(spawns.started, 1);
  assert.equal(spawns.p50, 4);
  assert.deepEqual(spawns.failures, [{ reason: 'timeout', count: 1 }]);
  // Raw samples are gone after an hour (raw_retention_hours: 1); the buckets stay.
  const counts = await store.usage.counts();
  assert.equal(counts.samples, 0);
  assert.equal(counts.buckets, 2);
  // After the bucket retention (30 days), the buckets go too.
  clock.advance(31 * 86_400_000);
  await acc.tick();
  assert.equal((await store.usage.counts()).buckets, 0);
}

test('usage accounting on SQLite: sessions, samples, roll-up, reports, pruning', async () => {
  const store = await Store.open(parseDbUrl('sqlite://'));
  try {
    await scenario(store);
  } finally {
    await store.close();
  }
});

test('usage accounting on PostgreSQL (real Debian PostgreSQL): the same numbers', async () => {
  const store = await Store.open(parseDbUrl(await pg.createDatabase('labhub_usage')));
  try {
    await scenario(store);
  } finally {
    await store.close();
  }
});

test('usage accounting: a spawn finished by another hub process reads its request time back', async () => {
  const store = await Store.open(parseDbUrl('sqlite://'));
  try {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const accounting = () =>
      new UsageAccounting({
        store,
        log: silentLogger(),
        clock,
        settings: { sampleInterval: 0, rawRetentionHours: 1, retentionDays: 30 },
        spawnerId: 'test',
        running: () => [],
      });
    const ann = await store.users.create('ann');
    const s = await store.servers.ensure(ann.id, '');
    const spawn = { serverId: s.id, userId: ann.id, userName: 'ann', serverName: '' };
    await accounting().requested({ ...spawn, userOptions: {} });
    clock.advance(7_000);
    await accounting().ready(s.id); // e.g. a restarted hub resuming the spawn
    assert.equal((await store.usage.openOf(s.id))?.spawnSeconds, 7);
    // The same process: the request time is remembered, not read.
    const acc = accounting();
    await acc.ended(s.id, { reason: 'stopped' });
    assert.equal(await store.usage.openOf(s.id), null);
    await acc.requested({ ...spawn, userOptions: {} });
    clock.advance(3_000);
    await acc.ready(s.id);
    assert.equal((await store.usage.openOf(s.id))?.spawnSeconds, 3);
    await acc.ended(s.id, { reason: 'failed', detail: 'timeout' });
    const spawns = await store.usageReports.spawns('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z');
    assert.deepEqual([spawns.requested, spawns.started], [2, 2]);
  } finally {
    await store.close();
  }
});
