/**
 * The daily roll-up (migration 012) on both databases (SQLite and a real PostgreSQL): reports
 * over ranges with partial days at their edges read daily rows for the whole days and hourly
 * buckets for the edges, and give the numbers of the hourly buckets alone; pruning the hourly
 * buckets of rolled-up days keeps whole-day totals; the accounting rolls days up as hours end.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Store, parseDbUrl, type HourlyBucket, type UsageGrouping } from '../../src/db/index.js';
import { UsageAccounting } from '../../src/core/usage/accounting.js';
import { ManualClock } from '../../src/core/usage/clock.js';
import { pruneRolledUp, reportSources, rollDays } from '../../src/core/usage/daily.js';
import { usageReport } from '../../src/core/usage/reports.js';
import { silentLogger } from '../../src/log.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

let pg: TestPostgres;
before(async () => {
  pg = await startTestPostgres();
});
after(() => pg?.stop());

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const BY: UsageGrouping[] = ['user', 'group', 'profile'];

/** Four days of buckets: 3 users, sessions crossing midnight, peaks at the days' edges. */
async function seed(store: Store): Promise<void> {
  const users = [];
  for (const n of ['ann', 'ben', 'cat']) users.push(await store.users.create(n));
  const g1 = await store.groups.create('chem');
  const g2 = await store.groups.create('phys');
  await store.groups.addMember(g1.id, users[0].id);
  await store.groups.addMember(g1.id, users[1].id);
  await store.groups.addMember(g2.id, users[1].id);
  await store.groups.addMember(g2.id, users[2].id);
  const buckets: HourlyBucket[] = [];
  for (let h = 0; h < 4 * 24; h++) {
    users.forEach((u, i) => {
      if ((h + i * 5) % 7 === 0) return; // gaps
      const session = 1 + i * 1000 + Math.floor((h + i * 3) / 10); // ~10 h sessions
      buckets.push({
        hour: iso(T0 + h * H),
        sessionId: session,
        userId: u.id,
        profile: ['', 'small', 'gpu'][(session + i) % 3],
        serverSeconds: 3600 - ((h * 37 + i * 11) % 900),
        activeSeconds: (h * 53 + i * 17) % 1800,
        cpuSeconds: ((h * 7 + i) % 13) * 0.37,
        // The highest memory of a user is in hour 23 of a day or hour 0 (an edge hour).
        memPeak: 1e8 + ((h % 24 === 23 || h % 24 === 0 ? 50 : 0) + ((h * 13 + i) % 40)) * 1e6,
        memSum: (h % 5) * 1e8 + 3e8,
        samples: 1 + (h % 12),
      });
    });
  }
  await store.usage.insertBuckets(buckets);
  for (const u of users)
    await store.usage.open({
      serverId: u.id,
      userId: u.id,
      userName: u.name,
      serverName: '',
      spawner: 'test',
      profile: '',
      at: iso(T0),
    });
}

const hourlyOnly = (store: Store, by: UsageGrouping, from: number, to: number) =>
  store.usageReports.totals(
    by,
    { hourly: [[iso(from), iso(to)]], daily: null },
    { offset: 0, limit: 100 },
  );

/** Totals compared with float tolerance (sums of the same numbers in another order). */
function assertSameTotals(a: Awaited<ReturnType<typeof hourlyOnly>>, b: typeof a, what: string) {
  assert.equal(a.total, b.total, what);
  assert.deepEqual(
    a.rows.map((r) => r.key),
    b.rows.map((r) => r.key),
    what,
  );
  a.rows.forEach((r, i) => {
    for (const k of [
      'serverSeconds',
      'activeSeconds',
      'cpuSeconds',
      'memPeak',
      'memAverage',
      'users',
    ] as const)
      assert.ok(
        Math.abs(r[k] - b.rows[i][k]) <= 1e-6 * Math.max(1, Math.abs(r[k])),
        `${what} ${r.key} ${k}: ${r[k]} vs ${b.rows[i][k]}`,
      );
  });
}

async function scenario(store: Store): Promise<void> {
  await seed(store);
  // Hours are final up to 2026-03-04T06:00: days 1–3 roll up, day 4 stays hourly.
  await store.kv.set('usage_rolled_until', iso(T0 + 3 * D + 6 * H));
  assert.equal(await rollDays(store, new Date(T0 + 3 * D + 6 * H), new Date(T0 - 10 * D)), 3);
  assert.equal(await rollDays(store, new Date(T0 + 3 * D + 6 * H), new Date(T0 - 10 * D)), 0);

  const ranges: Array<[number, number, boolean]> = [
    [T0 + 5 * H, T0 + 2 * D + 17 * H, true], // partial day, a whole day, partial day
    [T0, T0 + 3 * D, true], // whole days only
    [T0 + 23 * H, T0 + 3 * D + 1 * H, true], // one hour each side
    [T0 + 12 * H, T0 + 4 * D, true], // reaching into the day not rolled up yet
    [T0 + 3 * H, T0 + 20 * H, false], // within one day
  ];
  for (const [from, to, usesDaily] of ranges) {
    const { sources } = await reportSources(store, new Date(from), new Date(to));
    assert.equal(sources.daily !== null, usesDaily, `${iso(from)}–${iso(to)} uses daily rows`);
    for (const by of BY) {
      const r = await usageReport(store, {
        from: new Date(from),
        to: new Date(to),
        by,
        offset: 0,
        limit: 100,
      });
      assert.equal(r.from, iso(from));
      assert.equal(r.to, iso(to));
      const mixed = await store.usageReports.totals(by, sources, { offset: 0, limit: 100 });
      assertSameTotals(
        mixed,
        await hourlyOnly(store, by, from, to),
        `${by} ${iso(from)}–${iso(to)}`,
      );
    }
  }

  // Prune hourly buckets before day 3: a report from day 2 05:00 is widened to day 2 00:00 and
  // still equals what the hourly buckets said before they went.
  const before = await Promise.all(
    BY.map((by) => hourlyOnly(store, by, T0 + D, T0 + 3 * D + 2 * H)),
  );
  const hourlyBefore = (await store.usage.counts()).buckets;
  await pruneRolledUp(store, new Date(T0 + 2 * D + 7 * H), new Date(T0 - 10 * D));
  const hourlyAfter = (await store.usage.counts()).buckets;
  assert.ok(hourlyAfter < hourlyBefore && hourlyAfter > 0, `${hourlyBefore} → ${hourlyAfter}`);
  assert.equal((await hourlyOnly(store, 'user', T0, T0 + 2 * D)).total, 0, 'days 1–2 pruned');
  for (const [i, by] of BY.entries()) {
    const r = await usageReport(store, {
      from: new Date(T0 + D + 5 * H),
      to: new Date(T0 + 3 * D + 2 * H),
      by,
      offset: 0,
      limit: 100,
    });
    assert.equal(r.from, iso(T0 + D), 'widened to the whole day');
    const { sources } = await reportSources(
      store,
      new Date(T0 + D + 5 * H),
      new Date(T0 + 3 * D + 2 * H),
    );
    assertSameTotals(
      await store.usageReports.totals(by, sources, { offset: 0, limit: 100 }),
      before[i],
      `pruned ${by}`,
    );
  }
  // The retention drops daily rows too.
  await pruneRolledUp(store, new Date(T0 + 2 * D), new Date(T0 + 2 * D));
  assert.equal(
    (
      await usageReport(store, {
        from: new Date(T0),
        to: new Date(T0 + 2 * D),
        by: 'user',
        offset: 0,
        limit: 10,
      })
    ).total,
    0,
  );
}

/** The accounting rolls whole days up as their hours end. */
async function accounting(store: Store): Promise<void> {
  const clock = new ManualClock('2026-05-01T20:00:00Z');
  const acc = new UsageAccounting({
    store,
    log: silentLogger(),
    clock,
    settings: {
      sampleInterval: 0,
      rawRetentionHours: 1,
      retentionDays: 400,
      hourlyRetentionDays: 1,
    },
    spawnerId: 'test',
    running: () => [],
  });
  const u = await store.users.create('dan');
  const s = await store.servers.ensure(u.id, '');
  await acc.requested({
    serverId: s.id,
    userId: u.id,
    userName: 'dan',
    serverName: '',
    userOptions: {},
  });
  await acc.ready(s.id);
  clock.advance(30 * H); // until 2026-05-03T02:00
  await acc.ended(s.id, { reason: 'stopped' });
  clock.advance(H);
  await acc.rollUpAndPrune();
  assert.equal(await store.usageDaily.count(), 2, 'May 1 and May 2 rolled up');
  const r = await usageReport(store, {
    from: new Date('2026-05-01T00:00:00Z'),
    to: new Date('2026-05-04T00:00:00Z'),
    by: 'user',
    offset: 0,
    limit: 10,
  });
  assert.equal(r.items[0].server_hours, 30);
  // Two days later the hourly buckets of those days are gone (hourly_retention_days: 1 here; the
  // configuration asks for at least 32); the daily rows still answer.
  clock.advance(2 * D);
  await acc.rollUpAndPrune();
  assert.equal((await store.usage.counts()).buckets, 0);
  const later = await usageReport(store, {
    from: new Date('2026-05-01T00:00:00Z'),
    to: new Date('2026-05-04T00:00:00Z'),
    by: 'user',
    offset: 0,
    limit: 10,
  });
  assert.equal(later.items[0].server_hours, 30);
}

for (const db of ['SQLite', 'PostgreSQL (real Debian PostgreSQL)'])
  test(`daily roll-up on ${db}: partial-day ranges equal the hourly-only answer; pruning; accounting`, async () => {
    for (const [i, run] of [scenario, accounting].entries()) {
      const store = await Store.open(
        parseDbUrl(
          db === 'SQLite' ? 'sqlite://' : await pg.createDatabase(`labhub_usage_daily${i}`),
        ),
      );
      try {
        await run(store);
      } finally {
        await store.close();
      }
    }
  });
