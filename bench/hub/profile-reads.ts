/**
 * The hub's CPU per API read, measured in-process (fastify inject: no sockets, no proxy), so the
 * figure is the hub's own work per request: routing, authentication, scopes, queries, JSON.
 * Usage: node --import tsx bench/hub/profile-reads.ts [--users 1000] [--active 200] [--n 2000]
 *   [--only 'first page']
 *   [--profile out.cpuprofile]
 * `--profile` writes a CPU profile of the measured requests only (not the set-up nor the warm-up),
 * e.g. for /work/tools/prof.py or Chrome's DevTools.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startInjectHub } from '../../test/helpers/inject-hub.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const users = arg('users', 1000);
const n = arg('n', 2000);

const t = await startInjectHub();
const store = t.hub.ctx.store;
const names = Array.from({ length: users }, (_, i) => `u${String(i).padStart(6, '0')}`);
for (let i = 0; i < names.length; i += 500) await store.users.createMany(names.slice(i, i + 500));
// Running servers (default name) for the last `--active` users, so that state=active returns a
// page of them (the bench's "200 active"); the first page stays one of inactive users.
const active = arg('active', 200);
for (const name of names.slice(-active)) {
  const u = (await store.users.byName(name))!;
  const rec = await store.servers.ensure(u.id, '');
  await store.servers.update(rec.id, {
    status: 'running',
    target: 'http://127.0.0.1:9/',
    started: new Date(),
  });
}
const admin = await t.token('bench-admin', { admin: true });

const strArg = (name: string) =>
  process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : '';
const only = strArg('only');
const profileOut = strArg('profile');
const session = profileOut ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
}

async function measure(label: string, path: string): Promise<void> {
  if (only && !label.includes(only)) return;
  const first = await t.call('GET', path, { token: admin });
  if (first.status !== 200)
    throw new Error(`${label}: ${first.status} ${first.text.slice(0, 200)}`);
  for (let i = 0; i < 100; i++) await t.call('GET', path, { token: admin }); // warm-up
  if (session) await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < n; i++) await t.call('GET', path, { token: admin });
  const c = process.cpuUsage(c0);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    const out = only
      ? profileOut
      : profileOut.replace(/(\.cpuprofile)?$/, `-${label.replace(/\W+/g, '-')}$1`);
    writeFileSync(out, JSON.stringify(profile));
  }
  const wall = performance.now() - w0;
  const cpuMs = (c.user + c.system) / 1000 / n;
  console.log(
    `${label.padEnd(28)} ${cpuMs.toFixed(3)} ms CPU/read   ${((n / wall) * 1000).toFixed(0)} reads/s (one client, in-process)   ${first.text.length} bytes`,
  );
}

console.log(`labhub in-process reads, ${users} users, ${n} requests each`);
await measure('first page of users', '/users?offset=0&limit=200');
await measure('state=active', '/users?state=active');
await measure('one user', '/users/u000042');
await measure('hub info (/hub/api/)', '/');
await t.stop();
