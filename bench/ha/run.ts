// High-availability fault run (docs/high-availability.md): real PostgreSQL, N hub replicas and 2
// labhub-proxies on loopback, simulated users (create, start a stand-in server, call it through a
// proxy, stop) while a random hub replica is killed with kill -9 every --hub-kill-every s and a
// proxy every --proxy-kill-every s (each restarted 1 s later, as a supervisor would). Then the
// same load without faults, and API throughput with 1..N replicas. The defaults are the load
// shape of issue 12 (5 minutes, 3 hubs, 2 proxies, a hub killed every 15 s, a proxy every 60 s).
// Hub API calls go through the proxies (`--hub-via proxy`, the default: labhub-proxy spreads
// them over the healthy replicas and retries idempotent ones, docs/high-availability.md) or
// straight to the replicas' hub ports (`--hub-via direct`, as behind an external load balancer).
// `npm run build` first.
//
//   node --import tsx bench/ha/run.ts [--seconds 300] [--users 30] [--replicas 3]
//                                     [--hub-kill-every 15] [--proxy-kill-every 60]
//                                     [--hub-via proxy|direct] [--throughput-seconds 5]
//                                     [--runs both|faults|quiet|throughput] [--cpu-per-replica 0.5]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { startTestPostgres } from '../../test/helpers/postgres.js';
import { CpuBudgets, cpuSeconds, machineCpu } from './cpu-budget.js';
import { freePort } from '../../test/helpers/ports.js';
import { ROOT } from '../../test/helpers/test-hub.js';
import {
  serverPids,
  sleep,
  startReplica,
  waitFor,
  type ClusterConfig,
  type HubProcess,
} from '../../test/ha/helpers.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    users: { type: 'string', default: '30' },
    replicas: { type: 'string', default: '3' },
    'hub-kill-every': { type: 'string', default: '15' },
    'proxy-kill-every': { type: 'string', default: '60' },
    'throughput-seconds': { type: 'string', default: '5' },
    'hub-via': { type: 'string', default: 'proxy' },
    /** `faults`, `quiet`, `both` (the default), or `throughput` (the figures alone, no load run). */
    runs: { type: 'string', default: 'both' },
    /** Each hub replica in its own cgroup with this many CPUs (cpu-budget.ts); '' = none. */
    'cpu-per-replica': { type: 'string', default: '' },
  },
});
if (opt['hub-via'] !== 'proxy' && opt['hub-via'] !== 'direct')
  throw new Error(`--hub-via: proxy or direct, not ${opt['hub-via']}`);
const SECONDS = opt.runs === 'throughput' ? 0 : Number(opt.seconds);
const CPU = Number(opt['cpu-per-replica'] || 0);
const budgets = CPU > 0 ? new CpuBudgets('labhub-bench-ha') : null;
if (budgets) console.log(`each hub replica limited to ${CPU} CPU (${budgets.kind})`);

/** A hub replica, in its own CPU budget with --cpu-per-replica. */
async function replica(c: ClusterConfig, name: string): Promise<HubProcess> {
  const h = await startReplica(c, name);
  budgets?.place(name, h.child.pid!, CPU);
  return h;
}
const USERS = Number(opt.users);
const REPLICAS = Number(opt.replicas);

interface Proxy {
  proc: ChildProcess;
  port: number;
  apiPort: number;
  /**
   * In the load balancer's rotation: its `GET /hub/health` answered 200 at the last check
   * (every 500 ms). A restarted proxy answers 404 there until the leader's reconcile has put
   * back every route (the hub's own route comes last), so it gets traffic only once caught up.
   */
  inRotation: boolean;
}

function startProxy(port: number, apiPort: number, token: string): Promise<Proxy> {
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin/labhub-proxy.js'), '--ip', '127.0.0.1', '--port', String(port)].concat([
      '--api-ip',
      '127.0.0.1',
      '--api-port',
      String(apiPort),
    ]),
    { env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: token }, stdio: 'ignore' },
  );
  return waitFor('the proxy API', 20_000, async () => {
    const r = await fetch(`http://127.0.0.1:${apiPort}/api/routes`, {
      headers: { Authorization: `token ${token}` },
    });
    return r.ok ? { proc, port, apiPort, inRotation: false } : undefined;
  });
}

type Kind = 'start' | 'status' | 'server-api' | 'stop';

class Counters {
  sent: Record<Kind, number> = { start: 0, status: 0, 'server-api': 0, stop: 0 };
  failed: Record<Kind, number> = { start: 0, status: 0, 'server-api': 0, stop: 0 };
  retried = 0;
  spawns = 0;
  /** Each failure: kind, what was seen, when (for the log by time relative to the kills). */
  log: { k: Kind; why: string; at: number; path: string }[] = [];
  fail(k: Kind, why: string, path: string) {
    this.failed[k]++;
    this.log.push({ k, why, at: Date.now(), path });
  }
  cycles = 0;
  total = () => Object.values(this.sent).reduce((a, b) => a + b, 0);
  totalFailed = () => Object.values(this.failed).reduce((a, b) => a + b, 0);
}

interface Cluster {
  c: ClusterConfig;
  hubs: (HubProcess | null)[];
  proxies: Proxy[];
  store: Store;
  token: string;
}

/**
 * A load balancer's passive health check: a proxy that refused a connection leaves the rotation
 * at once (the active check, every 500 ms, puts it back once it answers).
 */
let refused: (base: string) => void = () => undefined;

/**
 * One request as a client behind a load balancer sees it: sent to one live replica (or proxy);
 * a connection error or 502/503 from a dying one is retried on the next (idempotent requests:
 * start and stop are, by the hub's own rules).
 */
async function call(
  k: Kind,
  n: Counters,
  bases: () => string[],
  path: string,
  init: RequestInit,
  ok: (s: number) => boolean,
): Promise<Response | null> {
  n.sent[k]++;
  const first = Math.floor(Math.random() * bases().length);
  let last = '';
  for (let i = 0; i < Math.max(bases().length, 1) * 2; i++) {
    // Read again at each try: a proxy found dead meanwhile leaves the rotation.
    const list = bases();
    const base = list[(first + i) % list.length];
    try {
      const r = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
      if (r.status === 502 || r.status === 503)
        throw new Error(`${r.status} ${(await r.text()).slice(0, 120).replace(/\s+/g, ' ')}`);
      if (!ok(r.status)) {
        n.fail(k, `${r.status} ${(await r.text()).slice(0, 160).replace(/\s+/g, ' ')}`, path);
        return null;
      }
      return r;
    } catch (e) {
      const c = (e as { cause?: { code?: string } }).cause?.code;
      last = c ? `${c}` : (e as Error).message;
      if (c === 'ECONNREFUSED') refused(base);
      n.retried++;
      await sleep(200);
    }
  }
  n.fail(k, `gave up after retries: ${last}`, path);
  return null;
}

async function userLoop(cl: Cluster, user: string, n: Counters, until: number): Promise<void> {
  const auth = { Authorization: `token ${cl.token}` };
  // None in rotation (every check failed at once, e.g. on a saturated machine): all of them,
  // as a load balancer fails open.
  const proxies = () => {
    const up = cl.proxies.filter((p) => p.inRotation);
    return (up.length ? up : cl.proxies).map((p) => `http://127.0.0.1:${p.port}`);
  };
  const hubs =
    opt['hub-via'] === 'proxy'
      ? () => proxies().map((p) => `${p}/hub/api`)
      : () => cl.hubs.filter((h): h is HubProcess => !!h).map((h) => `${h.hubUrl}/hub/api`);
  while (Date.now() < until) {
    n.spawns++;
    const s = await call(
      'start',
      n,
      hubs,
      `/users/${user}/server`,
      { method: 'POST', headers: auth },
      (x) => [201, 202, 400].includes(x),
    );
    if (!s) continue;
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      const r = await call(
        'status',
        n,
        hubs,
        `/users/${user}`,
        { headers: auth },
        (x) => x === 200,
      );
      const m = r ? ((await r.json()) as { servers?: Record<string, { ready?: boolean }> }) : null;
      ready = !!m?.servers?.['']?.ready;
      if (!ready) await sleep(200);
    }
    if (!ready) {
      const r = await fetch(`${hubs()[0]}/users/${user}`, { headers: auth }).catch(() => null);
      const seen = r ? JSON.stringify(((await r.json()) as { servers?: unknown }).servers) : '';
      const u = await cl.store.users.byName(user);
      const row = u ? await cl.store.servers.get(u.id, '') : null;
      n.fail(
        'start',
        `not ready after 30 s (start answered ${s.status}; now ${seen}, row ${row?.status}: ${row?.lastError})`,
        `/users/${user}`,
      );
      continue;
    }
    for (let i = 0; i < 5; i++)
      await call(
        'server-api',
        n,
        proxies,
        `/user/${user}/api/status`,
        { headers: auth },
        (x) => x === 200,
      );
    const stopped = await call(
      'stop',
      n,
      hubs,
      `/users/${user}/server`,
      { method: 'DELETE', headers: auth },
      (x) => [202, 204].includes(x),
    );
    // As the hub's own page does: the next start only once the stop has finished.
    let gone = stopped?.status === 204;
    for (let i = 0; i < 300 && stopped && !gone; i++) {
      const r = await call(
        'status',
        n,
        hubs,
        `/users/${user}`,
        { headers: auth },
        (x) => x === 200,
      );
      const m = r ? ((await r.json()) as { servers?: Record<string, unknown> }) : null;
      gone = !!m && !m.servers?.[''];
      if (!gone) await sleep(200);
    }
    if (stopped && !gone) n.fail('stop', 'still not stopped after 60 s', `/users/${user}`);
    n.cycles++;
  }
}

/** At the end: running rows vs processes vs each proxy's routes. */
async function audit(cl: Cluster, users: string[]) {
  const running = new Set<string>();
  let duplicated = 0;
  let orphanProcesses = 0;
  for (const u of users) {
    const user = await cl.store.users.byName(u);
    const rec = user ? await cl.store.servers.get(user.id, '') : null;
    const pids = serverPids(u).length;
    if (rec?.status === 'running') {
      running.add(u);
      if (pids > 1) duplicated += pids - 1;
    } else if (pids > 0) {
      orphanProcesses += pids;
      const launch = serverPids(u).map((pid) => {
        const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
        return `${pid} launch ${env.find((e) => e.startsWith('LABHUB_LAUNCH_ID='))?.slice(17)} port ${env.find((e) => e.startsWith('JUPYTERHUB_SERVICE_URL='))?.slice(23)}`;
      });
      console.log(
        `orphaned process of ${u}: row ${rec?.status ?? 'none'} (owner ${rec?.ownerReplica}, last error ${JSON.stringify(rec?.lastError)}): ${launch.join(', ')}`,
      );
    }
  }
  let orphanRoutes = 0;
  let missingRoutes = 0;
  for (const p of cl.proxies) {
    const routes = (await (
      await fetch(`http://127.0.0.1:${p.apiPort}/api/routes`, {
        headers: { Authorization: `token ${cl.c.proxyToken}` },
      })
    ).json()) as Record<string, { user?: string }>;
    const routed = Object.values(routes).flatMap((r) => (r.user ? [r.user] : []));
    orphanRoutes += routed.filter((u) => !running.has(u)).length;
    missingRoutes += [...running].filter((u) => !routed.includes(u)).length;
  }
  return { running: running.size, duplicated, orphanProcesses, orphanRoutes, missingRoutes };
}

async function run(label: string, faults: boolean) {
  const pg = await startTestPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'labhub-bench-ha-'));
  const token = 'bench-ha-proxy-token';
  const [p1, a1, p2, a2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const proxies = [await startProxy(p1, a1, token), await startProxy(p2, a2, token)];
  const c: ClusterConfig = {
    dir,
    dbUrl: await pg.createDatabase('bench_ha'),
    proxyPort: p1,
    proxyApiPort: a1,
    proxyToken: token,
    extraProxyApiUrls: [`http://127.0.0.1:${a2}`],
    heartbeat: 2,
    timeout: 10,
  };
  const hubs: (HubProcess | null)[] = [];
  for (let i = 0; i < REPLICAS; i++) hubs.push(await replica(c, `r${i}`));
  const store = await Store.open(parseDbUrl(c.dbUrl));
  const admin = await store.users.ensure('bench-admin', { admin: true });
  const { token: apiToken } = await store.tokens.create({ userId: admin.id, scopes: ['inherit'] });
  const cl: Cluster = { c, hubs, proxies, store, token: apiToken };
  refused = (base) => {
    for (const p of proxies)
      if (base.startsWith(`http://127.0.0.1:${p.port}/`)) p.inRotation = false;
  };
  // Names of this run only: servers of another run on the machine (or left by an aborted one)
  // are not this run's orphans.
  const tag = Math.random().toString(36).slice(2, 6);
  const users = Array.from({ length: USERS }, (_, i) => `bench-ha-${tag}-${i}`);
  for (const u of users) await store.users.ensure(u);
  let checking = true;
  const lbChecks = (async () => {
    while (checking) {
      await Promise.all(
        proxies.map(async (p) => {
          const r = await fetch(`http://127.0.0.1:${p.port}/hub/health`, {
            signal: AbortSignal.timeout(1000),
          }).catch(() => null);
          p.inRotation = r?.status === 200;
          await r?.arrayBuffer().catch(() => undefined);
        }),
      );
      await sleep(500);
    }
  })();
  await waitFor('both proxies in rotation', 30_000, async () =>
    proxies.every((p) => p.inRotation) ? true : undefined,
  );
  const n = new Counters();
  const until = Date.now() + SECONDS * 1000;
  const adoptions: number[] = [];
  let hubKills = 0;
  let proxyKills = 0;
  let restarts = 0;
  const kills: { what: 'hub' | 'proxy'; at: number }[] = [];
  const faultLoop = async () => {
    let nextHub = Date.now() + Number(opt['hub-kill-every']) * 1000;
    let nextProxy = Date.now() + Number(opt['proxy-kill-every']) * 1000;
    while (faults && Date.now() < until - 5000) {
      await sleep(250);
      if (Date.now() >= nextHub) {
        nextHub += Number(opt['hub-kill-every']) * 1000;
        const i = Math.floor(Math.random() * hubs.length);
        const h = hubs[i];
        if (!h) continue;
        const dead = (await store.replicas.list()).find((r) => r.pid === h.child.pid)?.id;
        h.child.kill('SIGKILL');
        kills.push({ what: 'hub', at: Date.now() });
        hubs[i] = null;
        hubKills++;
        const t0 = Date.now();
        void (async () => {
          // Adopted when no active server is owned by the dead replica any more.
          await waitFor('adoption', 120_000, async () =>
            (await store.servers.active()).some((s) => s.ownerReplica === dead) ? undefined : true,
          ).catch(() => undefined);
          adoptions.push(Date.now() - t0);
        })();
        await sleep(1000);
        hubs[i] = await replica(c, `r${i}-${++restarts}`);
      }
      if (Date.now() >= nextProxy) {
        nextProxy += Number(opt['proxy-kill-every']) * 1000;
        const i = Math.floor(Math.random() * proxies.length);
        const p = proxies[i]!;
        p.proc.kill('SIGKILL');
        kills.push({ what: 'proxy', at: Date.now() });
        proxyKills++;
        await sleep(1000);
        proxies[i] = await startProxy(p.port, p.apiPort, token);
      }
    }
  };
  await Promise.all([...users.map((u) => userLoop(cl, u, n, until)), faultLoop()]);
  checking = false;
  await lbChecks;
  // Let the reconcile and the adoption settle (one timeout and one check interval).
  if (SECONDS > 0) await sleep(12_000);
  const a = await audit(cl, users);
  const failedPct = (100 * n.totalFailed()) / Math.max(1, n.total());
  console.log(
    `\n== ${label} (${SECONDS} s, ${USERS} users, ${REPLICAS} hub replicas, 2 proxies, hub API ${opt['hub-via'] === 'proxy' ? 'through the proxies' : 'straight to the replicas'})`,
  );
  console.log(`kills: ${hubKills} hub replicas, ${proxyKills} proxies`);
  console.log(
    `requests: ${n.total()} sent, ${n.totalFailed()} failed (${failedPct.toFixed(3)} %) — by kind: ${(
      Object.keys(n.sent) as Kind[]
    )
      .map((k) => `${k} ${n.failed[k]}/${n.sent[k]}`)
      .join(', ')}; ${n.retried} retried on another replica/proxy`,
  );
  console.log(`spawns requested: ${n.spawns}; start-stop cycles completed: ${n.cycles}`);
  console.log(
    `at the end: ${a.running} servers running; duplicated ${a.duplicated}, orphaned processes ${a.orphanProcesses}, orphan routes ${a.orphanRoutes}, missing routes ${a.missingRoutes}`,
  );
  printFailures(n, kills);
  if (adoptions.length)
    console.log(
      `adoption of a dead replica's servers: max ${Math.max(...adoptions)} ms, median ${adoptions.sort((x, y) => x - y)[Math.floor(adoptions.length / 2)]} ms (bound ${c.timeout * 1000 + 2 * c.heartbeat * 1000} ms)`,
    );
  // Throughput: GET /users/{name} spread over 1..N replicas, 32 at a time.
  if (!faults) {
    const live = hubs.filter((h): h is HubProcess => !!h);
    for (let k = 1; k <= live.length; k++) {
      const bases = live.slice(0, k).map((h) => `${h.hubUrl}/hub/api`);
      let done = 0;
      const cpu0 = live.slice(0, k).map((h) => cpuSeconds(h.child.pid!));
      const m0 = machineCpu();
      const t0 = Date.now();
      const end = Date.now() + Number(opt['throughput-seconds']) * 1000;
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          for (let i = w; Date.now() < end; i++) {
            const r = await fetch(`${bases[i % k]}/users/${users[i % users.length]}`, {
              headers: { Authorization: `token ${apiToken}` },
            });
            await r.arrayBuffer();
            if (r.ok) done++;
          }
        }),
      );
      const wall = (Date.now() - t0) / 1000;
      const cores = live.slice(0, k).map((h, j) => (cpuSeconds(h.child.pid!) - cpu0[j]!) / wall);
      const m1 = machineCpu();
      const busy = (100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total);
      console.log(
        `API throughput with ${k} replica(s): ${Math.round(done / wall)} req/s; CPU of each replica: ${cores.map((x) => x.toFixed(2)).join(', ')} cores; machine ${busy.toFixed(0)} % busy`,
      );
    }
  }
  for (const u of users) for (const pid of serverPids(u)) process.kill(pid, 'SIGKILL');
  for (const h of hubs) h?.child.kill('SIGKILL');
  for (const p of proxies) p.proc.kill('SIGKILL');
  await store.close();
  pg.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** The failure log: by kind and cause, and each failure's time after the last kill before it. */
function printFailures(n: Counters, kills: { what: 'hub' | 'proxy'; at: number }[]) {
  const by = new Map<string, number>();
  for (const f of n.log) {
    const key = `${f.k}: ${f.why.replace(/\d{3,}/g, 'N')}`;
    by.set(key, (by.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...by].sort((a, b) => b[1] - a[1]))
    console.log(`  failed ${count}× ${key}`);
  for (const f of n.log) {
    const k = kills.filter((x) => x.at <= f.at).pop();
    const after = k
      ? `${((f.at - k.at) / 1000).toFixed(1)} s after a ${k.what} kill`
      : 'before any kill';
    console.log(`  ${f.k} ${f.path}: ${f.why} (${after})`);
  }
}

if (opt.runs === 'both' || opt.runs === 'faults') await run('with faults', true);
if (opt.runs !== 'faults') await run('without faults', false);
budgets?.remove();
process.exit(0);
