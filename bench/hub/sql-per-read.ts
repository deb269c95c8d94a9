/**
 * The SQL statements one API read runs and their time in SQLite (better-sqlite3's calls timed
 * around each run), in-process like profile-reads.ts: 1,000 users, the last 200 with a running
 * server, one admin token. Usage:
 *   node --import tsx bench/hub/sql-per-read.ts ['/users?state=active'] [--n 1000]
 */
import SQLite from 'better-sqlite3';

const probe = new SQLite(':memory:');
const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
probe.close();
const stats = new Map<string, { n: number; ns: bigint; rows: number }>();
for (const m of ['all', 'get', 'run', 'iterate']) {
  const orig = proto[m] as (...a: unknown[]) => unknown;
  proto[m] = function (this: { source: string }, ...a: unknown[]) {
    const t0 = process.hrtime.bigint();
    const r = orig.apply(this, a);
    const dt = process.hrtime.bigint() - t0;
    const k = this.source.slice(0, 150);
    const s = stats.get(k) ?? { n: 0, ns: 0n, rows: 0 };
    s.n++;
    s.ns += dt;
    s.rows += Array.isArray(r) ? r.length : 1;
    stats.set(k, s);
    return r;
  };
}

const { startInjectHub } = await import('../../test/helpers/inject-hub.js');
const nIndex = process.argv.indexOf('--n');
const N = nIndex > 0 ? Number(process.argv[nIndex + 1]) : 1000;
const path = process.argv.slice(2).find((a, i, all) => a.startsWith('/') && all[i - 1] !== '--n');
const t = await startInjectHub();
const store = t.hub.ctx.store;
const names = Array.from({ length: 1000 }, (_, i) => `u${String(i).padStart(6, '0')}`);
for (let i = 0; i < names.length; i += 500) await store.users.createMany(names.slice(i, i + 500));
for (const name of names.slice(-200)) {
  const u = (await store.users.byName(name))!;
  const rec = await store.servers.ensure(u.id, '');
  await store.servers.update(rec.id, { status: 'running', target: 'http://127.0.0.1:9/' });
}
const admin = await t.token('bench-admin', { admin: true });
const url = path ?? '/users?offset=0&limit=200';
for (let i = 0; i < 100; i++) await t.call('GET', url, { token: admin });
stats.clear();
for (let i = 0; i < N; i++) await t.call('GET', url, { token: admin });
let total = 0n;
console.log(`GET ${url}: SQL per request (${N} requests)`);
for (const [sql, s] of [...stats].sort((a, b) => Number(b[1].ns - a[1].ns))) {
  total += s.ns;
  const ms = (Number(s.ns) / 1e6 / N).toFixed(3);
  console.log(`${ms} ms  ${s.n / N}×  ${(s.rows / s.n).toFixed(0)} rows  ${sql}`);
}
console.log(`${(Number(total) / 1e6 / N).toFixed(3)} ms in all`);
await t.stop();
