// Two hub replicas (real processes) on a real PostgreSQL behind two labhub-proxies, with the
// stand-in single-user server: one leader at a time, concurrent starts and stops sent to both
// replicas give one server each, kill -9 of the leader moves the leadership and the dead
// replica's servers are adopted, kill -9 of each proxy is repaired; at the end no duplicated or
// orphaned server or route. docs/high-availability.md describes the design.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/test-hub.js';
import { startProxy } from '../proxy/helpers/proxy-process.js';
import {
  health,
  serverPids,
  startCluster,
  waitFor,
  type HubProcess,
  type TestCluster,
} from './helpers.js';

const HEARTBEAT = 0.5;
const TIMEOUT = 3;
/** The documented adoption bound (replica_timeout + 2 × heartbeat_interval), in ms. */
const BOUND_MS = (TIMEOUT + 2 * HEARTBEAT) * 1000;

let c: TestCluster | undefined;
after(() => c?.stop());

test('hub replicas on PostgreSQL: leader election, exactly-once spawn/stop, adoption after kill -9, two proxies kept in step', async () => {
  // The first replica creates the shared cookie secret; then the second one joins. The users
  // are created through the API below.
  c = await startCluster({
    prefix: 'ha',
    proxies: [[], []],
    replicas: ['a', 'b'],
    users: 4,
    createUsers: false,
    heartbeat: HEARTBEAT,
    timeout: TIMEOUT,
  });
  const { store, hubs, proxies, users, auth } = c;
  const { proxyToken, dir } = c.config;
  const [a, b] = hubs as [HubProcess, HubProcess];
  {
    // Registry and leadership: both registered, exactly one leader (the first one).
    const replicas = await store.replicas.list();
    assert.equal(replicas.length, 2, 'both replicas registered');
    const ha = (await health(a))!;
    const hb = (await health(b))!;
    assert.deepEqual([ha.status, hb.status], [200, 200], '/hub/health: both can serve');
    assert.deepEqual([ha.leader, hb.leader], [true, false], 'the first replica leads');
    assert.equal((await store.replicas.lease())?.replicaId, ha.id);

    const api = (h: HubProcess) => `${h.hubUrl}/hub/api`;
    for (const u of users) {
      const r = await fetch(`${api(a)}/users/${u}`, { method: 'POST', headers: auth });
      assert.equal(r.status, 201, `create ${u}`);
    }

    // Concurrent starts of the same server on both replicas: one spawn per server. The last
    // user's server is started through the first replica only, so that one owns it.
    const last = users[users.length - 1]!;
    const started = await Promise.all(
      users.flatMap((u) =>
        (u === last ? [a] : [a, b, a, b]).map((h) =>
          fetch(`${api(h)}/users/${u}/server`, { method: 'POST', headers: auth }).then(
            (r) => r.status,
          ),
        ),
      ),
    );
    for (const s of started) assert.ok([201, 202, 400].includes(s), `start answered ${s}`);
    for (const u of users) {
      await waitFor(`${u} running`, 30_000, async () => {
        const r = (await (await fetch(`${api(b)}/users/${u}`, { headers: auth })).json()) as {
          servers?: Record<string, { ready?: boolean }>;
        };
        return r.servers?.['']?.ready ? true : undefined;
      });
      assert.equal(serverPids(u).length, 1, `exactly one server process for ${u}`);
      for (const p of proxies) {
        const via: Response = await fetch(`${p.url}/user/${u}/`);
        assert.equal(via.status, 200, `${u}'s server answers through the proxy ${p.url}`);
      }
    }
    const owners = new Map<string, string | null>();
    for (const u of users) {
      const user = (await store.users.byName(u))!;
      owners.set(u, (await store.servers.get(user.id, ''))!.ownerReplica);
    }

    // Concurrent stops of one server on both replicas: stopped once, nothing lost.
    const [u0] = users as [string];
    const stops = await Promise.all(
      [a, b, b].map((h) =>
        fetch(`${api(h)}/users/${u0}/server`, { method: 'DELETE', headers: auth }).then(
          (r) => r.status,
        ),
      ),
    );
    for (const s of stops) assert.ok([202, 204].includes(s), `stop answered ${s}`);
    await waitFor(`${u0} stopped`, 20_000, async () => {
      const rec = await store.servers.get((await store.users.byName(u0))!.id, '');
      return rec?.status === 'stopped' && serverPids(u0).length === 0 ? true : undefined;
    });

    // The progress stream of a spawn driven by the other replica follows the row to ready.
    const posting = fetch(`${api(a)}/users/${u0}/server`, { method: 'POST', headers: auth });
    const u0id = (await store.users.byName(u0))!.id;
    const spawning = await waitFor(`${u0} spawning`, 10_000, async () => {
      const rec = await store.servers.get(u0id, '');
      return rec?.status === 'spawning' ? rec : undefined;
    });
    const other = spawning.ownerReplica === ha.id ? b : a;
    const prog = await fetch(`${api(other)}/users/${u0}/server/progress`, { headers: auth });
    assert.equal(prog.status, 200);
    const events = await prog.text();
    assert.match(events, /Server requested/);
    assert.match(events, /"ready":true/);
    assert.ok([201, 202].includes((await posting).status));
    const again = await fetch(`${api(b)}/users/${u0}/server`, { method: 'DELETE', headers: auth });
    assert.ok([202, 204].includes(again.status));
    await waitFor(`${u0} stopped again`, 20_000, async () =>
      serverPids(u0).length === 0 && (await store.servers.get(u0id, ''))?.status === 'stopped'
        ? true
        : undefined,
    );

    // kill -9 the leader: the other replica leads within the bound and adopts its servers.
    const orphaned = users.slice(1).filter((u) => owners.get(u) === ha.id);
    a.child.kill('SIGKILL');
    const t0 = Date.now();
    await waitFor('the second replica to lead', BOUND_MS * 3, async () =>
      (await health(b))?.leader ? true : undefined,
    );
    const tookOver = Date.now() - t0;
    assert.ok(orphaned.includes(last), `the killed replica owned ${last}'s server`);
    await waitFor("the dead replica's servers to be adopted", BOUND_MS * 3, async () => {
      const active = await store.servers.active();
      return active.every((s) => s.ownerReplica === hb.id) ? true : undefined;
    });
    const adopted = Date.now() - t0;
    console.log(
      `leader killed: replica b led after ${tookOver} ms, adopted ${orphaned.length} servers after ${adopted} ms (bound ${BOUND_MS} ms)`,
    );
    assert.deepEqual(
      (await store.replicas.list()).map((r) => r.id),
      [hb.id],
      'the dead replica was removed from the registry',
    );
    // The hub route now points at the new leader: the API answers through both proxies.
    for (const p of proxies)
      await waitFor(`the hub route of ${p.url} to reach replica b`, BOUND_MS * 3, async () => {
        const r = await fetch(`${p.url}/hub/api/users/${u0}`, { headers: auth });
        return r.status === 200 ? true : undefined;
      });

    // kill -9 each proxy in turn; a supervisor restarts it on the same ports: the leader puts
    // its routes back (the hub's own proxy through its check, the other through the reconcile).
    for (let i = 0; i < proxies.length; i++) {
      const old = proxies[i]!;
      const ports = ['--port', String(old.port), '--api-port', String(old.apiPort)];
      old.proc.kill('SIGKILL');
      await new Promise<void>((r) =>
        old.proc.exitCode !== null || old.proc.signalCode !== null
          ? r()
          : old.proc.once('exit', () => r()),
      );
      const p = (proxies[i] = await startProxy(ports, { token: proxyToken }));
      for (const path of [...users.slice(1).map((u) => `/user/${u}/`), `/hub/api/users/${u0}`])
        await waitFor(`${path} through ${p.url} after its restart`, 20_000, async () => {
          const r = await fetch(`${p.url}${path}`, { headers: auth });
          return r.status === 200 ? true : undefined;
        });
    }

    // A server adopted from the dead replica stops cleanly through the survivor.
    const u1 = last;
    const del = await fetch(`${api(b)}/users/${u1}/server`, { method: 'DELETE', headers: auth });
    assert.ok([202, 204].includes(del.status), `stop of an adopted server: ${del.status}`);
    await waitFor(`${u1} stopped`, 20_000, async () =>
      serverPids(u1).length === 0 ? true : undefined,
    );

    // Invariants: one process per running row, no process without a row, no orphan route.
    const running = new Set<string>();
    for (const u of users) {
      const rec = await store.servers.get((await store.users.byName(u))!.id, '');
      const pids = serverPids(u);
      if (rec?.status === 'running') {
        running.add(u);
        assert.equal(pids.length, 1, `one process for running ${u}`);
      } else {
        assert.equal(pids.length, 0, `no process for stopped ${u}`);
      }
    }
    for (const p of proxies) {
      const routes = JSON.parse((await p.api('GET', '')).body) as Record<string, { user?: string }>;
      const routedUsers = Object.values(routes)
        .map((r) => r.user)
        .filter((x): x is string => typeof x === 'string');
      assert.deepEqual(new Set(routedUsers), running, `${p.url}: routes of the running servers`);
      assert.equal(routedUsers.length, running.size, `${p.url}: no duplicated route`);
    }
    assert.equal(running.size, users.length - 2, 'the servers not stopped are still running');

    // labhub status (run where replica b runs, same config): one replica, the leader, the proxy
    // with every route and no lag.
    const st = spawnSync(process.execPath, [join(ROOT, 'bin/labhub.js'), 'status'], {
      cwd: join(dir, 'b'),
      encoding: 'utf8',
    });
    assert.equal(st.status, 0, st.stderr);
    assert.match(st.stdout, /Hub replicas: 1\n  \* \S+ .*\(leader\)/);
    assert.match(st.stdout, new RegExp(`Leader lease: ${hb.id}`));
    assert.match(st.stdout, new RegExp(`Servers: ${running.size} running, 0 starting, 0 stopping`));
    // Each proxy: the hub route and one per running server.
    assert.match(st.stdout, /Proxies: 2\n/);
    for (const p of proxies)
      assert.match(
        st.stdout,
        new RegExp(`${p.apiUrl}: ${running.size + 1} routes; lag: 0 missing, 0 stray`),
      );
  }
});
