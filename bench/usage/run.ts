/**
 * Usage accounting benchmark (issue 14). Two measurements, printed as a table:
 *
 * 1. The admin dashboard's and the reports' queries on an SQLite database with `--users` users
 *    [50000] in `--groups` groups [200] and a year of hourly buckets with on average
 *    `--running` [500] servers running each hour (4,380,000 buckets), plus one session per
 *    four server-hours; the year is then rolled up into daily rows (migration 012), which the
 *    reports read for whole days. The year-long user report over hourly buckets alone is
 *    measured too, for comparison.
 * 2. The cost of one sampler tick at `--servers` [1000] running servers: stand-in processes
 *    (`sleep`, each its own process group) read through the local spawners' /proc reading, the
 *    samples written and the current hour rolled up.
 *
 * Run: node --import tsx bench/usage/run.ts [--users N] [--running N] [--servers N]
 * Writes its database under a temp directory and removes it (and its processes) at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite from 'better-sqlite3';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { UsageAccounting } from '../../src/core/usage/accounting.js';
import { ManualClock } from '../../src/core/usage/clock.js';
import { rollDays } from '../../src/core/usage/daily.js';
import { usageDashboard, usageReport } from '../../src/core/usage/reports.js';
import { localServerUsage, procSnapshot } from '../../src/spawner/usage-proc.js';
import { silentLogger } from '../../src/log.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50000' },
    groups: { type: 'string', default: '200' },
    running: { type: 'string', default: '500' },
    servers: { type: 'string', default: '1000' },
    /** Keep the data set in this directory and reuse it when there (for repeated runs). */
    keep: { type: 'string' },
  },
});
const USERS = Number(values.users);
const GROUPS = Number(values.groups);
const RUNNING = Number(values.running);
const SERVERS = Number(values.servers);
const HOURS = 365 * 24;
const END = Date.parse('2026-12-01T00:00:00Z');
const START = END - HOURS * 3_600_000;

const rows: Array<[string, string]> = [];
async function measure<T>(what: string, f: () => Promise<T>, runs = 3): Promise<T> {
  let best = Infinity;
  let out!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = await f();
    best = Math.min(best, performance.now() - t0);
  }
  rows.push([what, `${best.toFixed(1)} ms`]);
  return out;
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'labhub-bench-usage-'));
mkdirSync(dir, { recursive: true });
const file = join(dir, 'hub.sqlite');
const reuse = existsSync(file);
const children: ChildProcess[] = [];
try {
  // --- 1. data set ---------------------------------------------------------------------------
  const t0 = performance.now();
  if (!reuse) {
    (await Store.open(parseDbUrl(`sqlite:///${file}`))).close();
    const raw = new BetterSqlite(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = OFF');
    const now = new Date(START).toISOString();
    raw.transaction(() => {
      const u = raw.prepare(
        "INSERT INTO users (name, admin, created, cookie_id) VALUES (?, 0, ?, 'x')",
      );
      for (let i = 1; i <= USERS; i++) u.run(`user${i}`, now);
      const g = raw.prepare("INSERT INTO groups (name, properties) VALUES (?, '{}')");
      for (let i = 1; i <= GROUPS; i++) g.run(`group${i}`);
      const m = raw.prepare('INSERT INTO user_group_map (user_id, group_id) VALUES (?, ?)');
      for (let i = 1; i <= USERS; i++) m.run(i, (i % GROUPS) + 1);
    })();
    // Each hour, RUNNING servers of a rotating window of users; a session lasts four hours.
    const sess = raw.prepare(
      `INSERT INTO usage_sessions (id, server_id, user_id, user_name, server_name, spawner, profile,
       requested_at, started_at, spawn_seconds, stopped_at, stop_reason, detail)
     VALUES (?, ?, ?, ?, '', 'local-process', ?, ?, ?, ?, ?, ?, ?)`,
    );
    const bucket = raw.prepare(
      `INSERT INTO usage_hourly (hour, session_id, user_id, profile, server_seconds, active_seconds,
       cpu_seconds, mem_peak, mem_sum, samples) VALUES (?, ?, ?, ?, 3600, ?, ?, ?, ?, 60)`,
    );
    const profiles = ['', 'small', 'large', 'gpu'];
    let sessionId = 0;
    const insertHours = raw.transaction((h0: number, h1: number) => {
      for (let h = h0; h < h1; h++) {
        const hour = new Date(START + h * 3_600_000).toISOString();
        const block = Math.floor(h / 4);
        for (let s = 0; s < RUNNING; s++) {
          const user = ((block * RUNNING + s) % USERS) + 1;
          const sid = block * RUNNING + s + 1;
          const profile = profiles[user % 4];
          if (h % 4 === 0) {
            const t = new Date(START + h * 3_600_000);
            const fail = s % 50 === 0;
            sess.run(
              sid,
              user,
              user,
              `user${user}`,
              profile,
              t.toISOString(),
              fail ? null : t.toISOString(),
              fail ? null : 2 + (s % 17),
              new Date(t.getTime() + 4 * 3_600_000).toISOString(),
              fail ? 'failed' : 'stopped',
              fail ? (s % 100 === 0 ? 'timeout' : 'spawn-failed') : null,
            );
            sessionId = Math.max(sessionId, sid);
          }
          bucket.run(hour, sid, user, profile, (s % 3) * 1200, 30 + (s % 7), 3e8, 3e8 * 60);
        }
      }
    });
    for (let h = 0; h < HOURS; h += 24) insertHours(h, Math.min(HOURS, h + 24));
    // The per-hour totals the roll-up keeps next to the buckets.
    raw.exec(`INSERT INTO usage_hours (hour, server_seconds, users, active_users)
    SELECT hour, sum(server_seconds), count(DISTINCT user_id),
      count(DISTINCT CASE WHEN active_seconds > 0 THEN user_id END) FROM usage_hourly GROUP BY hour`);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
  }
  const genSeconds = (performance.now() - t0) / 1000;
  const store = await Store.open(parseDbUrl(`sqlite:///${file}`));
  const counts = await store.usage.counts();
  const rolled = reuse
    ? 0
    : await measure(
        'daily roll-up of the whole year (once, e.g. an upgraded hub)',
        () => rollDays(store, new Date(END), new Date(START)),
        1,
      );
  await measure(
    'daily roll-up of one day (each day, at the first tick after midnight)',
    async () => {
      await store.kv.set('usage_daily_until', new Date(END - 86_400_000).toISOString());
      return rollDays(store, new Date(END), new Date(START));
    },
  );
  const dailyRows = await store.usageDaily.count();
  const mb = (statSync(file).size / 1048576).toFixed(0);

  const day = 86_400_000;
  const range = (days: number) => ({ from: new Date(END - days * day), to: new Date(END) });
  await measure('dashboard, last 7 days (series, spawns, top groups)', () =>
    usageDashboard(store, range(7)),
  );
  await measure('dashboard, last 30 days', () => usageDashboard(store, range(30)));
  await measure('dashboard, the whole year', () => usageDashboard(store, range(365)), 1);
  await measure('report by user, one month, first page of 50', () =>
    usageReport(store, { ...range(30), by: 'user', offset: 0, limit: 50 }),
  );
  await measure('report by group, one month', () =>
    usageReport(store, { ...range(30), by: 'group', offset: 0, limit: 50 }),
  );
  await measure(
    'report by user, the whole year, first page of 50',
    () => usageReport(store, { ...range(365), by: 'user', offset: 0, limit: 50 }),
    1,
  );
  await measure(
    'for comparison: report by user, the whole year, hourly buckets only',
    () =>
      store.usageReports.totals(
        'user',
        { hourly: [[range(365).from.toISOString(), new Date(END).toISOString()]], daily: null },
        { offset: 0, limit: 50 },
      ),
    1,
  );
  if (process.env.BENCH_PLAN) {
    const plan = new BetterSqlite(file);
    for (const q of [
      `SELECT h.user_id, sum(server_seconds) FROM usage_hourly h WHERE hour >= '2026-11-01' AND hour < '2026-12-01' GROUP BY h.user_id ORDER BY sum(server_seconds) DESC LIMIT 50`,
    ])
      console.log(plan.prepare(`EXPLAIN QUERY PLAN ${q}`).all());
    plan.close();
  }
  await store.close();

  // --- 2. sampling cost -----------------------------------------------------------------------
  for (let i = 0; i < SERVERS; i++)
    children.push(spawn('sleep', ['3600'], { detached: true, stdio: 'ignore' }));
  await new Promise((r) => setTimeout(r, 500));
  await measure('one /proc snapshot of the machine', async () => procSnapshot({ fresh: true }), 5);
  await measure(
    `usage of ${SERVERS} servers from one snapshot`,
    async () => {
      procSnapshot({ fresh: true });
      for (const c of children) localServerUsage(c.pid!, []);
    },
    5,
  );
  const sstore = await Store.open(parseDbUrl(`sqlite:///${join(dir, 'sample.sqlite')}`));
  const clock = new ManualClock(new Date(END));
  const acc = new UsageAccounting({
    store: sstore,
    log: silentLogger(),
    clock,
    settings: { sampleInterval: 60, rawRetentionHours: 48, retentionDays: 400 },
    spawnerId: 'local-process',
    running: () =>
      children.map((c, i) => ({
        serverId: i + 1,
        usage: async () => localServerUsage(c.pid!, []),
      })),
  });
  for (let i = 0; i < SERVERS; i++) {
    const u = await sstore.users.create(`s${i}`);
    const srv = await sstore.servers.ensure(u.id, '');
    await acc.requested({
      serverId: srv.id,
      userId: u.id,
      userName: u.name,
      serverName: '',
      userOptions: {},
    });
    await acc.ready(srv.id);
  }
  await measure(
    `one sampler tick at ${SERVERS} running servers (read, write samples, roll up the hour)`,
    async () => {
      clock.advance(60_000);
      await acc.tick();
    },
    5,
  );
  await sstore.close();

  console.log(
    `\nData set: ${USERS} users, ${GROUPS} groups, ${counts.buckets} hourly buckets (${RUNNING} servers/hour for a year), ${counts.sessions} sessions, ${dailyRows} daily rows (${rolled} days); SQLite file ${mb} MB, generated in ${genSeconds.toFixed(0)} s.\n`,
  );
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`| ${'measurement'.padEnd(w)} | best of runs |`);
  console.log(`|${'-'.repeat(w + 2)}|---|`);
  for (const [a, b] of rows) console.log(`| ${a.padEnd(w)} | ${b} |`);
} finally {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else rmSync(join(dir, 'sample.sqlite'), { force: true });
}
