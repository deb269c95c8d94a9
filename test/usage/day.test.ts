/**
 * A simulated day of real servers (the stand-in single-user server, real processes) on a real
 * hub: the usage clock is moved by hand, the sampler ticked every ten simulated minutes, the hub
 * restarted twice (one server keeps running, one dies while the hub is down). The reports must
 * say exactly what happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FAKE_SERVER, ROOT, hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { ManualClock } from '../../src/core/usage/clock.js';

const DAY = '2026-11-10';
const at = (hhmm: string) => `${DAY}T${hhmm}:00.000Z`;

async function serverPid(t: TestHub, user: string): Promise<number> {
  const u = await t.hub.ctx.store.users.byName(user);
  const rec = await t.hub.ctx.store.servers.get(u!.id, '');
  return rec!.state.pid as number;
}

/** Wait for a real event (the process is gone) without a time limit of our own. */
async function untilGone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a simulated day: sessions, samples, hourly roll-up and reports match what happened', async () => {
  const clock = new ManualClock(at('07:00'));
  // dave's server always fails to start (a failed spawn with its reason in the report).
  const script = join(mkdtempSync(join(tmpdir(), 'labhub-usage-')), 'server.sh');
  writeFileSync(
    script,
    `#!/bin/sh\n[ "$JUPYTERHUB_USER" = dave ] && { echo 'no quota left' >&2; exit 3; }\nexec ${process.execPath} ${FAKE_SERVER}\n`,
  );
  chmodSync(script, 0o755);
  const t = await startTestHub({
    clock,
    config: {
      Spawner: { cmd: [script], http_timeout: 10 },
      Labhub: { usage: { sample_interval: 600 } },
    },
  });
  try {
    const admin = await t.token('admin', { admin: true });
    const store = () => t.hub.ctx.store;
    const physics = await store().groups.ensure('physics');
    const chem = await store().groups.ensure('chem');
    for (const [name, groups] of [
      ['alice', [physics]],
      ['bob', [physics, chem]],
      ['carol', [chem]],
      ['dave', []],
    ] as const) {
      const u = await store().users.ensure(name);
      for (const g of groups) await store().groups.addMember(g.id, u.id);
    }
    const spawn = async (user: string, options: Record<string, string> = {}) =>
      hubFetch(`${t.api}/users/${user}/server`, {
        method: 'POST',
        token: admin,
        body: JSON.stringify(options),
        headers: { 'content-type': 'application/json' },
      });
    const touch = async (user: string) => {
      const u = await store().users.byName(user);
      const rec = await store().servers.get(u!.id, '');
      await store().servers.touch(rec!.id, clock.now());
    };
    /** Move the clock to hh:mm in ten-minute ticks; `active` users report activity each tick. */
    const runUntil = async (hhmm: string, active: string[] = []) => {
      const end = Date.parse(at(hhmm));
      while (clock.now().getTime() < end) {
        clock.advance(600_000);
        for (const a of active) await touch(a);
        await t.hub.ctx.usage.tick();
      }
    };

    await runUntil('08:00');
    assert.equal((await spawn('alice', { profile: 'small' })).status, 201);
    await runUntil('09:00', ['alice']);
    assert.equal((await spawn('bob')).status, 201);
    await runUntil('10:00', ['alice']);
    await runUntil('10:30');
    assert.equal(
      (await hubFetch(`${t.api}/users/alice/server`, { method: 'DELETE', token: admin })).status,
      204,
    );
    await runUntil('11:00');
    assert.equal((await spawn('dave')).status, 500);
    await runUntil('12:00');
    assert.equal((await spawn('carol', { profile: 'gpu' })).status, 201);
    await runUntil('13:00', ['carol']);
    // The hub restarts: carol's server keeps running and keeps its open session.
    await t.restart();
    await runUntil('14:00', ['carol']);
    // bob's server dies while the hub watches: the poll closes its session as exited.
    const bobPid = await serverPid(t, 'bob');
    process.kill(-bobPid, 'SIGKILL');
    await untilGone(bobPid);
    await t.hub.ctx.spawns.pollOnce();
    await runUntil('15:00');
    // carol's server dies while the hub is down: closed as lost when it was last seen (15:00).
    const carolPid = await serverPid(t, 'carol');
    await t.restart(async () => {
      process.kill(-carolPid, 'SIGKILL');
      await untilGone(carolPid);
      clock.set(at('16:00'));
    });
    await runUntil('23:00');

    const get = async (q: string) => {
      const r = await hubFetch(`${t.api}/labhub/usage?${q}`, { token: admin });
      assert.equal(r.status, 200, await r.clone().text());
      return r;
    };
    const byUser = await (await get(`from=${DAY}&to=2026-11-11`)).json();
    const rows = Object.fromEntries(byUser.items.map((r: { key: string }) => [r.key, r])) as Record<
      string,
      Record<string, number>
    >;
    assert.deepEqual(
      byUser.items.map((r: { key: string }) => r.key),
      ['bob', 'carol', 'alice'],
      'top users first; dave never ran',
    );
    assert.equal(rows.alice.server_hours, 2.5);
    assert.equal(rows.bob.server_hours, 5);
    assert.equal(rows.carol.server_hours, 3);
    // alice reported activity in the twelve ticks 08:10–10:00, carol in 13:10–14:00 (after the
    // restart too) and at 13:00's tick before it: 12:10–14:00.
    assert.equal(rows.alice.active_hours, 2);
    assert.equal(rows.alice.idle_hours, 0.5);
    assert.equal(rows.carol.active_hours, 2);
    assert.equal(rows.bob.active_hours, 0);
    for (const u of ['alice', 'bob', 'carol']) {
      assert.ok(rows[u].cpu_hours > 0, `${u} used some CPU`);
      assert.ok(rows[u].memory_peak_bytes > 5_000_000, `${u}'s server process has memory`);
      assert.ok(rows[u].memory_average_bytes <= rows[u].memory_peak_bytes);
    }
    assert.equal(byUser._pagination.total, 3);

    const byGroup = await (await get(`from=${DAY}&to=2026-11-11&by=group`)).json();
    assert.deepEqual(
      byGroup.items.map((r: { key: string; server_hours: number; users: number }) => [
        r.key,
        r.server_hours,
        r.users,
      ]),
      [
        ['chem', 8, 2],
        ['physics', 7.5, 2],
      ],
    );
    const byProfile = await (await get(`from=${DAY}&to=2026-11-11&by=profile`)).json();
    assert.deepEqual(
      byProfile.items.map((r: { key: string; server_hours: number }) => [r.key, r.server_hours]),
      [
        ['', 5],
        ['gpu', 3],
        ['small', 2.5],
      ],
    );
    // A range of a few hours: only what ran then (09:00–10:00: alice and bob).
    const hour = await (await get(`from=${at('09:00')}&to=${at('10:00')}`)).json();
    assert.deepEqual(
      hour.items.map((r: { key: string; server_hours: number }) => [r.key, r.server_hours]),
      [
        ['alice', 1],
        ['bob', 1],
      ],
    );
    // Paginated, and CSV.
    const page = await (await get(`from=${DAY}&to=2026-11-11&limit=1&offset=1`)).json();
    assert.deepEqual(
      page.items.map((r: { key: string }) => r.key),
      ['carol'],
    );
    assert.equal(page._pagination.next.offset, 2);
    const csv = await get(`from=${DAY}&to=2026-11-11&by=group&format=csv`);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(
      lines[0],
      'group,users,server_hours,active_hours,idle_hours,cpu_hours,memory_peak_bytes,memory_average_bytes',
    );
    assert.match(lines[1], /^chem,2,8,2,6,/);
    // The command line says the same, read from the database.
    const emptyConfig = join(t.dir, 'labhub.yaml');
    writeFileSync(emptyConfig, '{}\n');
    // (asynchronously: the hub runs in this process and must keep serving)
    const cli = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli/main.ts'),
        'report',
        '--config',
        emptyConfig,
        '--db',
        `sqlite:///${join(t.dir, 'hub.sqlite')}`,
        '--authenticator',
        'dummy',
        ...['--from', DAY, '--to', '2026-11-11', '--by', 'group', '--format', 'csv'],
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.deepEqual(cli.stdout.trim().split('\r\n'), lines);

    // Sessions: how each ended.
    const sessions = await t.hub.ctx.store.db
      .selectFrom('usage_sessions')
      .select(['user_name', 'stop_reason', 'detail', 'started_at', 'stopped_at'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      sessions.map((s) => [s.user_name, s.stop_reason, s.detail, s.stopped_at]),
      [
        ['alice', 'stopped', null, at('10:30')],
        // bob's server was reattached by the 13:00 restart: its exit status is unknown (0).
        ['bob', 'exited', 'status 0', at('14:00')],
        ['dave', 'failed', 'spawn-failed', at('11:00')],
        ['carol', 'lost', 'gone after a hub restart', at('15:00')],
      ],
    );

    // The dashboard's data: servers over time, spawns, groups.
    const dash = await (
      await hubFetch(`${t.api}/labhub/usage/dashboard?from=${DAY}&to=2026-11-11`, { token: admin })
    ).json();
    const h = Object.fromEntries(
      dash.hours.map((x: { hour: string }) => [x.hour.slice(11, 16), x]),
    );
    assert.equal(h['09:00'].runningServers, 2);
    assert.equal(h['09:00'].activeUsers, 1);
    assert.equal(h['10:00'].runningServers, 1.5);
    assert.equal(dash.spawns.requested, 4);
    assert.equal(dash.spawns.started, 3);
    assert.deepEqual(dash.spawns.failures, [{ reason: 'spawn-failed', count: 1 }]);
    assert.equal(dash.groups[0].key, 'chem');

    // Bounded storage: raw samples older than raw_retention_hours (48) go; buckets stay.
    clock.set('2026-11-13T12:00:00Z');
    await t.hub.ctx.usage.tick();
    const counts = await t.hub.ctx.store.usage.counts();
    assert.equal(counts.samples, 0);
    assert.equal(counts.buckets, 11, 'alice 3 hours, bob 5, carol 3');
    // Users see nothing of it.
    const user = await t.token('alice');
    assert.equal((await hubFetch(`${t.api}/labhub/usage`, { token: user })).status, 403);
    assert.equal(
      (await hubFetch(`${t.api}/labhub/usage?from=yesterday`, { token: admin })).status,
      400,
    );
  } finally {
    await t.stop();
    rmSync(join(script, '..'), { recursive: true, force: true });
  }
});
