// Hub replicas (real processes) on a real PostgreSQL behind one labhub-proxy, with a stand-in
// single-user server that takes 3 s to start: a spawn whose replica is killed with kill -9
// mid-start is resumed by the other replica (one process, one route); labhub-proxy spreads hub
// traffic over the replicas and GETs keep succeeding when one is killed; a rolling restart of
// every replica while a client loops fails no request. docs/high-availability.md has the design.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/db/index.js';
import type { RunningProxy } from '../proxy/helpers/proxy-process.js';
import {
  health,
  serverPids,
  startCluster,
  startReplica,
  waitFor,
  type ClusterConfig,
  type HubProcess,
  type TestCluster,
} from './helpers.js';

const HEARTBEAT = 0.5;
const TIMEOUT = 3;
const BOUND_MS = (TIMEOUT + 2 * HEARTBEAT) * 1000;

let c: TestCluster | undefined;
let store: Store;
let hubs: HubProcess[];
let proxy: RunningProxy;
/** A second labhub-proxy with the HAProxy engine (the hub backend of haproxy/hub-backend.ts). */
let haproxy: RunningProxy;
let users: string[];
let cluster: ClusterConfig;
let auth: Record<string, string>;

before(async () => {
  c = await startCluster({
    prefix: 'hf',
    proxies: [
      ['--engine', 'node'],
      ['--engine', 'haproxy'],
    ],
    replicas: ['a', 'b'],
    users: 2,
    heartbeat: HEARTBEAT,
    timeout: TIMEOUT,
    startDelay: 3,
  });
  ({ store, hubs, users, auth, config: cluster } = c);
  [proxy, haproxy] = c.proxies as [RunningProxy, RunningProxy];
});

after(() => c?.stop());

test('a spawn whose replica is killed mid-start is resumed by another replica', async () => {
  const u = users[0]!;
  const uid = (await store.users.byName(u))!.id;
  const [a] = hubs as [HubProcess];
  const posting = fetch(`${a.hubUrl}/hub/api/users/${u}/server`, {
    method: 'POST',
    headers: auth,
  }).catch(() => null);
  // Started (its pid saved), not listening yet: the stand-in sleeps 3 s first.
  const spawning = await waitFor(`${u} spawning with a saved pid`, 10_000, async () => {
    const rec = await store.servers.get(uid, '');
    return rec?.status === 'spawning' && typeof rec.state.pid === 'number' ? rec : undefined;
  });
  assert.equal(spawning.target, null, 'its start() had not returned yet');
  assert.equal(serverPids(u).length, 1, 'the server process exists');
  const owner = hubs.find((h) => spawning.ownerReplica?.includes(`-${h.child.pid}-`));
  assert.ok(owner, `the owner ${spawning.ownerReplica} is one of the replicas`);
  owner.child.kill('SIGKILL');
  await posting;
  const survivor = hubs.find((h) => h !== owner)!;
  const sid = (await health(survivor))!.id;
  const t0 = Date.now();
  const rec = await waitFor(`${u} running again`, BOUND_MS * 3 + 20_000, async () => {
    const r = await store.servers.get(uid, '');
    if (r?.status === 'stopped') throw new Error(`the spawn was lost: ${r.lastError}`);
    return r?.status === 'running' ? r : undefined;
  }).catch(async (e) => {
    const r = await store.servers.get(uid, '');
    throw new Error(`${(e as Error).message}; row: ${r?.status} ${r?.lastError}`);
  });
  console.log(`spawn resumed after ${Date.now() - t0} ms (adoption bound ${BOUND_MS} ms)`);
  assert.equal(rec.ownerReplica, sid, 'the survivor owns it');
  assert.equal(rec.lastError, null);
  assert.equal(serverPids(u).length, 1, 'still exactly one server process');
  const via = await fetch(`${proxy.url}/user/${u}/api`);
  assert.equal(via.status, 200, 'the server answers through the proxy');
  // The user's view: the server is ready, through the survivor's API.
  const model = (await (
    await fetch(`${survivor.hubUrl}/hub/api/users/${u}`, { headers: auth })
  ).json()) as { servers?: Record<string, { ready?: boolean }> };
  assert.equal(model.servers?.['']?.ready, true);
  const routes = JSON.parse((await proxy.api('GET', '')).body) as Record<string, { user?: string }>;
  assert.equal(Object.values(routes).filter((r) => r.user === u).length, 1, 'one route');
});

/** GETs through the proxy, `clients` at a time, until `stop()`: counts and failures, by replica. */
function loopGets(paths: string[], clients = 3, via = proxy) {
  let running = true;
  const failures: string[] = [];
  const byReplica = new Map<string, number>();
  let sent = 0;
  const loops = Array.from({ length: clients }, async (_, i) => {
    for (let n = i; running; n++) {
      const path = paths[n % paths.length]!;
      sent++;
      try {
        const r = await fetch(`${via.url}${path}`, {
          headers: auth,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await r.text();
        // A replica that is leaving says so on /hub/health (for load balancers) while it drains.
        const draining = path === '/hub/health' && r.status === 503 && /shutting down/.test(text);
        if (r.status !== 200 && !draining) failures.push(`${path}: ${r.status}`);
        const id = (r.headers.get('x-labhub-replica') ?? '').split('; ')[0];
        if (id) byReplica.set(id, (byReplica.get(id) ?? 0) + 1);
      } catch (e) {
        failures.push(`${path}: ${(e as Error).message}`);
      }
    }
  });
  return {
    byReplica,
    failures,
    sent: () => sent,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The hub route's hub_targets in the proxy (sorted). */
async function hubTargets(): Promise<string[]> {
  const routes = JSON.parse((await proxy.api('GET', '')).body) as Record<
    string,
    { hub?: boolean; hub_targets?: string[] }
  >;
  return Object.values(routes).find((r) => r.hub)?.hub_targets ?? [];
}

const live = () => hubs.filter((h) => h.child.exitCode === null && h.child.signalCode === null);

async function waitTargets(want: HubProcess[]): Promise<void> {
  // One replica left: the route has no list (its target is that replica, the leader).
  const urls = want.length > 1 ? want.map((h) => h.hubUrl).sort() : [];
  await waitFor(`hub_targets ${urls.join(', ')}`, 20_000, async () =>
    JSON.stringify(await hubTargets()) === JSON.stringify(urls) ? true : undefined,
  );
}

for (const engine of ['node', 'haproxy'] as const)
  test(`labhub-proxy (${engine} engine) spreads hub traffic over the replicas; GETs keep succeeding when one is killed`, async () => {
    const via = engine === 'node' ? proxy : haproxy;
    if (engine === 'haproxy')
      assert.match(via.output(), /haproxy/i, 'the HAProxy engine runs (apt-get install haproxy)');
    hubs.push(await startReplica(cluster, `c-${engine}`));
    const pair = live();
    assert.equal(pair.length, 2);
    await waitTargets(pair);
    const u = users[0]!;
    const load = loopGets(['/hub/health', `/hub/api/users/${u}`, `/user/${u}/api`], 3, via);
    await waitFor('both replicas to answer through the proxy', 10_000, async () =>
      load.byReplica.size === 2 ? true : undefined,
    );
    const victim = pair[0]!;
    victim.child.kill('SIGKILL');
    const before = load.sent();
    // Until the leader has dropped the dead replica from the route (replica_timeout).
    await waitTargets([pair[1]!]);
    await stopAfter(load, before + 50);
    console.log(
      `hub killed (${engine}): ${load.sent()} GETs through the proxy, ${load.failures.length} failed; by replica ${JSON.stringify([...load.byReplica.values()])}`,
    );
    assert.deepEqual(load.failures, [], 'no failed request');
    if (engine === 'haproxy') {
      // HAProxy itself spread them (not the Node plane behind it), and dropped the dead one.
      const victimAddr = victim.hubUrl.replace('http://', '');
      assert.match(via.output(), new RegExp(`hub replica ${victimAddr} added to the backend`));
      await waitFor('the dead replica removed from HAProxy', 10_000, async () =>
        via.output().includes(`hub replica ${victimAddr} removed`) ? true : undefined,
      );
    }
  });

async function stopAfter(load: ReturnType<typeof loopGets>, n: number): Promise<void> {
  await waitFor(`${n} requests`, 30_000, async () => (load.sent() >= n ? true : undefined));
  await load.stop();
}

test('rolling restart: replicas restarted one at a time while a client loops, 0 failed requests', async () => {
  hubs.push(await startReplica(cluster, 'd'));
  await waitTargets(live());
  const u = users[0]!;
  const load = loopGets(['/hub/health', `/hub/api/users/${u}`, `/user/${u}/api`, '/hub/api/']);
  let n = 0;
  for (const old of live()) {
    // As a supervisor does it: stop (SIGTERM), then start the new version in its place.
    const exited = new Promise((r) => old.child.once('exit', r));
    old.child.kill('SIGTERM');
    await exited;
    const fresh = await startReplica(cluster, `roll${n++}`);
    hubs.push(fresh);
    await waitTargets(live());
    await waitFor(`${fresh.name} to answer through the proxy`, 10_000, async () =>
      (load.byReplica.get((await health(fresh))?.id ?? '') ?? 0) > 0 ? true : undefined,
    );
  }
  await stopAfter(load, load.sent() + 20);
  console.log(
    `rolling restart of 2 replicas: ${load.sent()} GETs through the proxy, ${load.failures.length} failed`,
  );
  assert.deepEqual(load.failures, [], 'no failed request');
  // The user's server was untouched, still one process, still owned by a live replica.
  const rec = await store.servers.get((await store.users.byName(u))!.id, '');
  assert.equal(rec?.status, 'running');
  assert.equal(serverPids(u).length, 1);
});
