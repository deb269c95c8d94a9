// Two hub replicas (real processes) on a real PostgreSQL behind one labhub-proxy, with a
// stand-in single-user server that takes 3 s to start: a spawn whose replica is killed with
// kill -9 mid-start is resumed by the other replica (the user's start completes, one process, one
// route). docs/high-availability.md describes the design.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startProxy, type RunningProxy } from '../proxy/helpers/proxy-process.js';
import {
  health,
  serverPids,
  startReplica,
  waitFor,
  type ClusterConfig,
  type HubProcess,
} from './helpers.js';

const HEARTBEAT = 0.5;
const TIMEOUT = 3;
const BOUND_MS = (TIMEOUT + 2 * HEARTBEAT) * 1000;

let pg: TestPostgres | undefined;
let store: Store | undefined;
const hubs: HubProcess[] = [];
let proxy: RunningProxy | undefined;
const dir = mkdtempSync(join(tmpdir(), 'labhub-ha-faults-'));
const tag = Math.random().toString(36).slice(2, 7);
const users = [1, 2].map((i) => `hf${tag}-${i}`);
let cluster: ClusterConfig;
let auth: Record<string, string>;

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.createDatabase('labhub_ha_faults');
  const proxyToken = 'ha-faults-token-' + tag;
  proxy = await startProxy([], { token: proxyToken });
  cluster = {
    dir,
    dbUrl,
    proxyPort: proxy.port,
    proxyApiPort: proxy.apiPort,
    proxyToken,
    extraProxyApiUrls: [],
    heartbeat: HEARTBEAT,
    timeout: TIMEOUT,
    startDelay: 3,
  };
  hubs.push(await startReplica(cluster, 'a'));
  hubs.push(await startReplica(cluster, 'b'));
  store = await Store.open(parseDbUrl(dbUrl));
  const admin = await store.users.ensure(`hf${tag}-admin`, { admin: true });
  const { token } = await store.tokens.create({ userId: admin.id, scopes: ['inherit'] });
  auth = { Authorization: `token ${token}` };
  for (const u of users) await store.users.ensure(u);
});

after(async () => {
  for (const h of hubs) if (h.child.exitCode === null) h.child.kill('SIGKILL');
  for (const u of users) for (const pid of serverPids(u)) process.kill(pid, 'SIGKILL');
  await store?.close();
  await proxy?.stop().catch(() => undefined);
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a spawn whose replica is killed mid-start is resumed by another replica', async () => {
  const u = users[0]!;
  const uid = (await store!.users.byName(u))!.id;
  const [a] = hubs as [HubProcess];
  const posting = fetch(`${a.hubUrl}/hub/api/users/${u}/server`, {
    method: 'POST',
    headers: auth,
  }).catch(() => null);
  // Started (its pid saved), not listening yet: the stand-in sleeps 3 s first.
  const spawning = await waitFor(`${u} spawning with a saved pid`, 10_000, async () => {
    const rec = await store!.servers.get(uid, '');
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
    const r = await store!.servers.get(uid, '');
    if (r?.status === 'stopped') throw new Error(`the spawn was lost: ${r.lastError}`);
    return r?.status === 'running' ? r : undefined;
  }).catch(async (e) => {
    const r = await store!.servers.get(uid, '');
    throw new Error(`${(e as Error).message}; row: ${r?.status} ${r?.lastError}`);
  });
  console.log(`spawn resumed after ${Date.now() - t0} ms (adoption bound ${BOUND_MS} ms)`);
  assert.equal(rec.ownerReplica, sid, 'the survivor owns it');
  assert.equal(rec.lastError, null);
  assert.equal(serverPids(u).length, 1, 'still exactly one server process');
  const via = await fetch(`${proxy!.url}/user/${u}/api`);
  assert.equal(via.status, 200, 'the server answers through the proxy');
  // The user's view: the server is ready, through the survivor's API.
  const model = (await (
    await fetch(`${survivor.hubUrl}/hub/api/users/${u}`, { headers: auth })
  ).json()) as { servers?: Record<string, { ready?: boolean }> };
  assert.equal(model.servers?.['']?.ready, true);
  const routes = JSON.parse((await proxy!.api('GET', '')).body) as Record<
    string,
    { user?: string }
  >;
  assert.equal(Object.values(routes).filter((r) => r.user === u).length, 1, 'one route');
});
