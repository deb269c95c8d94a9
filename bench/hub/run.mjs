#!/usr/bin/env node
// Hub benchmark: labhub vs JupyterHub 6.1.1 (PyPI, in <repo>/.venv-bench), side by side in one run,
// both reading bench/hub/jupyterhub_config.py, loopback only, bounded in time and requests.
// See bench/hub/README.md. Run `npm run build` first.
//
//   node bench/hub/run.mjs [--users 10000] [--scale-users 50000] [--running 500] [--storm 200]
//                          [--big-storm 1000]
//                          [--create-cap 90] [--hubs labhub,jupyterhub] [--labhub-proxy own|chp]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { createRequire } from 'node:module';
import {
  alive,
  children,
  cleanup,
  cpuMs,
  threadCpuMs,
  extraPids,
  freePort,
  listenerPid,
  log,
  rssMB,
  sleep,
} from '../lib/proc.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const HERE = join(ROOT, 'bench/hub');
const RUN = join(HERE, '.run');
const CONFIG = join(HERE, 'jupyterhub_config.py');
const VENV = join(ROOT, '.venv-bench');
const CHP = join(ROOT, 'node_modules/.bin/configurable-http-proxy');
const TOKEN = 'bench-service-token-0123456789abcdef';
const PAGINATED = 'application/jupyterhub-pagination+json';

const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    'scale-users': { type: 'string', default: '50000' },
    running: { type: 'string', default: '500' },
    storm: { type: 'string', default: '200' },
    'big-storm': { type: 'string', default: '0' },
    batch: { type: 'string', default: '100' },
    'create-cap': { type: 'string', default: '90' },
    'read-seconds': { type: 'string', default: '4' },
    hubs: { type: 'string', default: 'labhub,jupyterhub' },
    'labhub-proxy': { type: 'string', default: 'own' },
  },
});
const N = Number(opt.users);
const SCALE = Math.max(Number(opt['scale-users']), N);
const RUNNING = Number(opt.running);
const STORM = Math.min(Number(opt.storm), N);
const BIG_STORM = Math.min(Number(opt['big-storm']), N);
const BATCH = Number(opt.batch);
const CREATE_CAP_MS = Number(opt['create-cap']) * 1000;
const READ_MS = Number(opt['read-seconds']) * 1000;
const SMALL = Math.min(1000, N);
const HUBS = opt.hubs.split(',');
const uname = (i) => `u${String(i).padStart(6, '0')}`;

function quant(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

function startProc(cmd, args, { cwd, env, name }) {
  const c = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(c);
  let tail = '';
  const keep = (d) => {
    tail = (tail + d).slice(-6000);
  };
  c.stdout.on('data', keep);
  c.stderr.on('data', keep);
  c.on('exit', () => children.delete(c));
  c.tail = () => tail;
  c.label = name;
  return c;
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

/** One hub under test: its processes, ports, directory and HTTP client. */
class HubUnderTest {
  constructor(kind) {
    this.kind = kind;
    this.dir = join(RUN, kind);
    this.results = {};
  }

  async init() {
    mkdirSync(this.dir, { recursive: true });
    this.proxyToken = `proxy-token-${this.kind}-${Math.random().toString(36).slice(2)}`;
    this.farm = startProc(process.execPath, [join(HERE, 'farm.mjs'), '0'], {
      cwd: this.dir,
      name: `${this.kind}-farm`,
    });
    this.farmPort = await new Promise((resolve, reject) => {
      this.farm.stdout.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).port));
      this.farm.once('exit', () => reject(new Error('farm exited')));
    });
    this.farmPool = new Pool(`http://127.0.0.1:${this.farmPort}`, { connections: 4 });
  }

  /** Start the hub process; resolves with {apiMs, routesMs} once /hub/api/ answers and every route is in the proxy. */
  async start(expectedRoutes = 0) {
    // Fresh ports at each start: the farm's tiny servers take ports from the OS all the time.
    [this.port, this.hubPort, this.apiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    await this.pool?.close();
    this.pool = new Pool(`http://127.0.0.1:${this.hubPort}`, {
      connections: 256,
      pipelining: 1,
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    const env = {
      BENCH_FARM_URL: `http://127.0.0.1:${this.farmPort}`,
      CONFIGPROXY_AUTH_TOKEN: this.proxyToken,
    };
    const t0 = performance.now();
    if (this.kind === 'jupyterhub') {
      this.proc = startProc(
        join(VENV, 'bin/jupyterhub'),
        [
          '-f',
          CONFIG,
          `--port=${this.port}`,
          `--JupyterHub.hub_port=${this.hubPort}`,
          `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${this.apiPort}`,
          `--ConfigurableHTTPProxy.command=${CHP}`,
        ],
        {
          cwd: this.dir,
          env: { ...env, PYTHONPATH: HERE, PATH: `${join(VENV, 'bin')}:${process.env.PATH}` },
          name: 'jupyterhub',
        },
      );
    } else {
      const args = [
        join(ROOT, 'bench/lib/labhub-start.mjs'),
        '--config',
        CONFIG,
        '--port',
        String(this.port),
        '--hub-port',
        String(this.hubPort),
        '--proxy-api-url',
        `http://127.0.0.1:${this.apiPort}`,
      ];
      if (opt['labhub-proxy'] === 'chp') args.push('--proxy-command', CHP);
      // BENCH_LABHUB_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: profile each labhub run.
      const nodeArgs = (process.env.BENCH_LABHUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
      this.proc = startProc(process.execPath, [...nodeArgs, ...args], {
        cwd: this.dir,
        env: { ...env, LABHUB_PLUGIN_PATH: HERE },
        name: 'labhub',
      });
    }
    const deadline = Date.now() + 900_000;
    let apiMs = NaN;
    let apiCpuMs = NaN;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null)
        throw new Error(`${this.kind} exited during start:\n${this.proc.tail()}`);
      try {
        const r = await this.pool.request({
          path: '/hub/api/',
          method: 'GET',
          headersTimeout: 2000,
        });
        const body = await r.body.text();
        if (r.statusCode === 200 && /"version"/.test(body) && !body.includes('"bench"')) {
          apiMs = performance.now() - t0;
          apiCpuMs = cpuMs(this.proc.pid);
          break;
        }
      } catch {}
      await sleep(20);
    }
    let routesMs = NaN;
    let routesCpuMs = NaN;
    while (Date.now() < deadline) {
      const n = await this.userRoutes().catch(() => -1);
      if (n >= expectedRoutes) {
        routesMs = performance.now() - t0;
        routesCpuMs = cpuMs(this.proc.pid);
        break;
      }
      await sleep(20);
    }
    // The proxy is a separate process started by the hub: remember its pid to end it ourselves.
    this.proxyPid = this.findProxyPid();
    if (this.proxyPid) extraPids.add(this.proxyPid);
    // CPU time the hub process used (user+system): robust to other load on a shared machine.
    return { apiMs, routesMs, apiCpuMs, routesCpuMs };
  }

  findProxyPid() {
    return listenerPid(this.apiPort);
  }

  async userRoutes() {
    const r = await fetch(`http://127.0.0.1:${this.apiPort}/api/routes`, {
      headers: { authorization: `token ${this.proxyToken}` },
      signal: AbortSignal.timeout(5000),
    });
    if (r.status !== 200) return -1;
    return Object.keys(await r.json()).filter((k) => k.startsWith('/user/')).length;
  }

  /** Stop the hub (SIGTERM; servers keep running) and end its proxy, so the next start is cold. */
  async stop() {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    const pid = this.proxyPid ?? this.findProxyPid();
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    }
    extraPids.delete(pid);
    this.proxyPid = null;
  }

  async api(method, path, body, headers = {}) {
    const r = await this.pool.request({
      path: `/hub/api${path}`,
      method,
      headers: {
        authorization: `token ${TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.body.text();
    return { status: r.statusCode, json: text ? JSON.parse(text) : null };
  }

  async farmCount() {
    const r = await this.farmPool.request({ path: '/count', method: 'GET' });
    return (await r.body.json()).running;
  }

  rss() {
    return this.proc ? rssMB(this.proc.pid) : NaN;
  }
  proxyRss() {
    return this.proxyPid ? rssMB(this.proxyPid) : NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

/** POST /hub/api/users in batches for users [from, to); stops at the time cap. Returns {created, ms}. */
async function createViaApi(h, from, to, capMs) {
  const t0 = performance.now();
  let i = from;
  while (i < to && performance.now() - t0 < capMs) {
    const names = [];
    for (let j = i; j < Math.min(to, i + BATCH); j++) names.push(uname(j));
    const r = await h.api('POST', '/users', { usernames: names });
    if (r.status !== 201)
      throw new Error(
        `${h.kind}: POST /users -> ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`,
      );
    i += names.length;
  }
  return { created: i - from, ms: performance.now() - t0, next: i };
}

/** Users [from, to) written straight into the hub's database (hub stopped). */
function insertDirect(h, from, to) {
  if (to <= from) return;
  const db = join(h.dir, 'jupyterhub.sqlite');
  if (h.kind === 'jupyterhub') {
    const py = `
import sqlite3, sys, secrets, datetime
c = sqlite3.connect(sys.argv[1]); frm, to = int(sys.argv[2]), int(sys.argv[3])
now = datetime.datetime.utcnow().isoformat(sep=' ')
role = c.execute("select id from roles where name='user'").fetchone()[0]
c.executemany("insert into users (name, admin, created, cookie_id, state) values (?, 0, ?, ?, '{}')",
  (("u%06d" % i, now, secrets.token_hex(16)) for i in range(frm, to)))
c.execute("insert into user_role_map (user_id, role_id, managed_by_auth) select id, ?, 0 from users where id not in (select user_id from user_role_map where role_id = ?)", (role, role))
c.commit()`;
    execFileSync(join(VENV, 'bin/python'), ['-c', py, db, String(from), String(to)]);
  } else {
    const Database = createRequire(import.meta.url)(join(ROOT, 'node_modules/better-sqlite3'));
    const c = new Database(db);
    const now = new Date().toISOString();
    const ins = c.prepare(
      'insert into users (name, admin, created, last_activity, cookie_id, auth_state, user_info) values (?, 0, ?, null, ?, null, null)',
    );
    c.transaction(() => {
      for (let i = from; i < to; i++)
        ins.run(
          uname(i),
          now,
          Math.random().toString(16).slice(2) + Math.random().toString(16).slice(2),
        );
    })();
    c.close();
  }
}

/** `n` sequential GETs: latency p50/p99 (ms), hub CPU per request, and of it the main thread's. */
async function latency(h, path, n) {
  const xs = [];
  const t0 = threadCpuMs(h.proc.pid);
  const c0 = cpuMs(h.proc.pid);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await h.api('GET', path, null, { accept: PAGINATED });
    if (r.status !== 200) throw new Error(`${h.kind}: GET ${path} -> ${r.status}`);
    xs.push(performance.now() - t);
  }
  const t1 = threadCpuMs(h.proc.pid);
  return {
    p50: quant(xs, 0.5),
    p99: quant(xs, 0.99),
    cpuPerReq: (cpuMs(h.proc.pid) - c0) / n,
    mainCpuPerReq: (t1.main - t0.main) / n,
  };
}

/** `conns` concurrent clients for READ_MS: requests/s and latency. */
async function throughput(h, path, conns = 8) {
  const xs = [];
  const end = performance.now() + READ_MS;
  const t0 = performance.now();
  const c0 = cpuMs(h.proc.pid);
  let errors = 0;
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await h.api('GET', path, null, { accept: PAGINATED });
        if (r.status !== 200) errors++;
        xs.push(performance.now() - t);
      }
    }),
  );
  return {
    rps: xs.length / ((performance.now() - t0) / 1000),
    p50: quant(xs, 0.5),
    p99: quant(xs, 0.99),
    errors,
    cpuPerReq: (cpuMs(h.proc.pid) - c0) / xs.length,
  };
}

/** Walk every page of GET /users (limit 200) following next. */
async function fullWalk(h, query = '') {
  const t0 = performance.now();
  const c0 = cpuMs(h.proc.pid);
  let path = `/users?limit=200${query}`;
  let pages = 0;
  let users = 0;
  for (;;) {
    const r = await h.api('GET', path, null, { accept: PAGINATED });
    if (r.status !== 200) throw new Error(`${h.kind}: walk ${path} -> ${r.status}`);
    pages++;
    users += r.json.items.length;
    const next = r.json._pagination.next;
    if (!next) break;
    path = `/users?limit=${next.limit}&offset=${next.offset}${query}`;
  }
  return { ms: performance.now() - t0, pages, users, cpuMs: cpuMs(h.proc.pid) - c0 };
}

/** Wait until every named user's default server is ready (ready=true) or gone (want=false). */
async function waitServers(h, names, wantReady, deadlineMs = 300_000, tolerate = false) {
  const left = new Set(names);
  const end = Date.now() + deadlineMs;
  while (left.size && Date.now() < end) {
    await Promise.all(
      [...left].slice(0, 64).map(async (n) => {
        const r = await h.api('GET', `/users/${n}`);
        const s = r.json?.servers?.[''];
        if (wantReady ? s?.ready && !s?.pending : !s) left.delete(n);
      }),
    );
    if (left.size) await sleep(100);
  }
  if (tolerate) return left.size;
  if (left.size)
    throw new Error(
      `${h.kind}: ${left.size} servers did not ${wantReady ? 'start' : 'stop'} in time`,
    );
}

/** Start (or stop) the servers of `names`, `conc` requests in flight at once; time until all settled. */
async function serverStorm(h, names, action, conc, tolerate = false) {
  const t0 = performance.now();
  const c0 = cpuMs(h.proc.pid);
  const codes = {};
  const failedNames = new Set();
  // 201 (started) and 204 (stopped) say the server is settled; 202 answers are polled after.
  const settledNames = new Set();
  let idx = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, names.length) }, async () => {
      while (idx < names.length) {
        const n = names[idx++];
        const r = await h.api(action === 'start' ? 'POST' : 'DELETE', `/users/${n}/server`);
        codes[r.status] = (codes[r.status] ?? 0) + 1;
        if (r.status === (action === 'start' ? 201 : 204)) settledNames.add(n);
        else if (r.status >= 400 && tolerate) failedNames.add(n);
        else if (r.status >= 400)
          throw new Error(
            `${h.kind}: ${action} ${n} -> ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`,
          );
      }
    }),
  );
  const requestsMs = performance.now() - t0;
  const left = names.filter((n) => !failedNames.has(n) && !settledNames.has(n));
  const notSettled = await waitServers(h, left, action === 'start', 300_000, tolerate);
  const ms = performance.now() - t0;
  const cpuPerServer = (cpuMs(h.proc.pid) - c0) / names.length;
  // The answers are checked too, after the measurement (its reads are not a start's cost).
  const wrong = await waitServers(h, [...settledNames], action === 'start', 10_000, tolerate);
  return {
    ms,
    failed: failedNames.size + (notSettled || 0) + (wrong || 0),
    requestsMs,
    perSec: names.length / (ms / 1000),
    codes,
    cpuPerServer,
  };
}

// ---------------------------------------------------------------------------------------------

async function benchHub(h) {
  const R = h.results;
  log(`${h.kind}: starting (empty database)`);
  R.startEmpty = await h.start(0);
  log(`${h.kind}: up in ${R.startEmpty.apiMs.toFixed(0)} ms`);
  R.rssIdle = h.rss();

  // create users through the API (time-capped; the rest goes straight into the database)
  let c1 = await createViaApi(h, 0, SMALL, CREATE_CAP_MS);
  await latency(h, '/users', 30); // warm-up (as after the restart): the first listings compile the path
  // 300 requests: /proc counts CPU in 10 ms ticks, ±0.03 ms per request at 300.
  R.firstPage1k = await latency(h, '/users', 300);
  R.firstPage1kUsers = c1.next;
  const c2 = await createViaApi(h, c1.next, N, Math.max(0, CREATE_CAP_MS - c1.ms));
  R.create = { created: c1.created + c2.created, ms: c1.ms + c2.ms };
  R.create.perSec = R.create.created / (R.create.ms / 1000);
  log(
    `${h.kind}: created ${R.create.created} users via the API in ${(R.create.ms / 1000).toFixed(1)} s`,
  );
  if (c2.next < N) {
    log(`${h.kind}: inserting users ${c2.next}..${N} directly into the database (API cap reached)`);
    await h.stop();
    insertDirect(h, c2.next, N);
    R.startN = await h.start(0);
  }

  // reads at N users
  R.walk = await fullWalk(h);
  log(
    `${h.kind}: full walk of ${R.walk.users} users in ${R.walk.pages} pages: ${R.walk.ms.toFixed(0)} ms`,
  );
  R.firstPage = await throughput(h, '/users');
  log(`${h.kind}: first page ${R.firstPage.rps.toFixed(1)} req/s`);

  // spawn storm
  const storm = Array.from({ length: STORM }, (_, i) => uname(i));
  R.stormStart = await serverStorm(h, storm, 'start', STORM);
  log(
    `${h.kind}: ${STORM} starts in ${R.stormStart.ms.toFixed(0)} ms ${JSON.stringify(R.stormStart.codes)}`,
  );
  R.active = await throughput(h, '/users?state=active');
  log(`${h.kind}: state=active (${STORM} active) ${R.active.rps.toFixed(1)} req/s`);
  R.stormStop = await serverStorm(h, storm, 'stop', STORM);
  log(
    `${h.kind}: ${STORM} stops in ${R.stormStop.ms.toFixed(0)} ms ${JSON.stringify(R.stormStop.codes)}`,
  );
  R.rssN = h.rss();

  // optional big storm: BIG_STORM concurrent starts, failures counted instead of fatal
  if (BIG_STORM) {
    const big = Array.from({ length: BIG_STORM }, (_, i) => uname(i));
    R.bigStorm = await serverStorm(h, big, 'start', BIG_STORM, true);
    log(
      `${h.kind}: big storm: ${BIG_STORM} starts in ${R.bigStorm.ms.toFixed(0)} ms, ${R.bigStorm.failed} failed ${JSON.stringify(R.bigStorm.codes)}`,
    );
    R.bigStormStop = await serverStorm(h, big, 'stop', BIG_STORM, true);
    log(`${h.kind}: big storm stopped: ${R.bigStormStop.failed} failed`);
  }

  // scale: RUNNING servers, SCALE users, restart
  // The running servers belong to the last users, so the first page stays a page of inactive
  // users (the same shape as at ${SMALL} users) and only the number of inactive users changes.
  const run = Array.from({ length: Math.min(RUNNING, N) }, (_, i) => uname(N - 1 - i));
  const tRun = performance.now();
  await serverStorm(h, run, 'start', 50);
  R.startRunningMs = performance.now() - tRun;
  log(
    `${h.kind}: ${run.length} servers running (${(R.startRunningMs / 1000).toFixed(1)} s); stopping the hub and its proxy`,
  );
  await h.stop();
  insertDirect(h, N, SCALE);
  R.farmRunning = await h.farmCount();
  log(`${h.kind}: ${SCALE} users in the database, ${R.farmRunning} servers alive; restarting`);
  R.startScale = await h.start(run.length);
  log(
    `${h.kind}: restarted: API in ${R.startScale.apiMs.toFixed(0)} ms, ${run.length} routes in ${R.startScale.routesMs.toFixed(0)} ms`,
  );
  if (process.env.BENCH_VERBOSE)
    log(
      `${h.kind} output (tail):\n${h.proc
        .tail()
        .split('\n')
        .filter((l) => /proxy|eattach|started in|running|Loaded|Database|listening/i.test(l))
        .slice(-15)
        .join('\n')}`,
    );
  await latency(h, '/users', 30); // warm-up after the restart (as at ${SMALL} users, the hub has served requests before)
  R.firstPageScale = await latency(h, '/users', 300);
  R.firstPageScaleTput = await throughput(h, '/users');
  R.activeScale = await throughput(h, '/users?state=active');
  R.activeScaleLat = await latency(h, '/users?state=active', 20);
  await sleep(1000);
  R.rssScale = h.rss();
  R.proxyRssScale = h.proxyRss();
  const cpu0 = cpuMs(h.proc.pid);
  await sleep(5000);
  R.idleCpu = ((cpuMs(h.proc.pid) - cpu0) / 5000) * 100;
  log(`${h.kind}: done; RSS ${R.rssScale.toFixed(0)} MB`);
  await h.stop();
  h.farm.kill('SIGTERM'); // frees its ports before the next hub runs
}

function fmt(v, d = 0) {
  return Number.isFinite(v) ? v.toFixed(d) : 'n/a';
}

function table(hubs) {
  const [L, J] = [
    hubs.find((h) => h.kind === 'labhub')?.results,
    hubs.find((h) => h.kind === 'jupyterhub')?.results,
  ];
  const rows = [];
  // [label, fn(results) -> number, decimals, better: 'higher'|'lower']
  const val = (r, f) => {
    try {
      return r ? f(r) : NaN;
    } catch {
      return NaN;
    }
  };
  const add = (label, f, d, better) => rows.push({ label, l: val(L, f), j: val(J, f), d, better });
  add(`create users via API (users/s, batches of ${BATCH})`, (r) => r.create.perSec, 0, 'higher');
  add(`GET /users full walk at ${N} (ms, limit 200)`, (r) => r.walk.ms, 0, 'lower');
  add(`GET /users first page at ${N} (req/s, 8 clients)`, (r) => r.firstPage.rps, 0, 'higher');
  add(`GET /users first page at ${N} (p50 ms)`, (r) => r.firstPage.p50, 1, 'lower');
  add(
    `GET /users first page at ${N}: hub CPU per request (ms)`,
    (r) => r.firstPage.cpuPerReq,
    2,
    'lower',
  );
  add(`GET /users full walk at ${N}: hub CPU (ms)`, (r) => r.walk.cpuMs, 0, 'lower');
  add(`GET /users?state=active, ${STORM} active (req/s)`, (r) => r.active.rps, 0, 'higher');
  add(
    `GET /users?state=active, ${STORM} active: hub CPU per request (ms)`,
    (r) => r.active.cpuPerReq,
    2,
    'lower',
  );
  add(
    `spawn storm: ${STORM} starts (s until all ready)`,
    (r) => r.stormStart.ms / 1000,
    2,
    'lower',
  );
  add(`spawn storm: ${STORM} starts (servers/s)`, (r) => r.stormStart.perSec, 1, 'higher');
  add(`spawn storm: hub CPU per start (ms)`, (r) => r.stormStart.cpuPerServer, 1, 'lower');
  add(`spawn storm: ${STORM} stops (s until all gone)`, (r) => r.stormStop.ms / 1000, 2, 'lower');
  add(`spawn storm: hub CPU per stop (ms)`, (r) => r.stormStop.cpuPerServer, 1, 'lower');
  if (BIG_STORM) {
    add(
      `big storm: ${BIG_STORM} concurrent starts (s until all ready)`,
      (r) => r.bigStorm.ms / 1000,
      2,
      'lower',
    );
    add(`big storm: ${BIG_STORM} concurrent starts: failed`, (r) => r.bigStorm.failed, 0, 'lower');
    add(`big storm: hub CPU per start (ms)`, (r) => r.bigStorm.cpuPerServer, 1, 'lower');
  }
  add('startup, empty db (s to /hub/api/)', (r) => r.startEmpty.apiMs / 1000, 2, 'lower');
  add(
    `startup, ${SCALE} users + ${RUNNING} running: /hub/api/ (s)`,
    (r) => r.startScale.apiMs / 1000,
    2,
    'lower',
  );
  add(
    `startup, ${SCALE} users + ${RUNNING} running: all routes (s)`,
    (r) => r.startScale.routesMs / 1000,
    2,
    'lower',
  );
  add(
    `startup, ${SCALE} users + ${RUNNING} running: hub CPU until all routes (s)`,
    (r) => r.startScale.routesCpuMs / 1000,
    2,
    'lower',
  );
  add(`first page p50 at ${SMALL} users (ms, sequential)`, (r) => r.firstPage1k.p50, 1, 'lower');
  add(
    `first page at ${SMALL} users: hub CPU per request (ms)`,
    (r) => r.firstPage1k.cpuPerReq,
    2,
    'lower',
  );
  add(
    `first page at ${SMALL} users: of which the hub's main thread (ms)`,
    (r) => r.firstPage1k.mainCpuPerReq,
    2,
    'lower',
  );
  add(`first page p50 at ${SCALE} users (ms, sequential)`, (r) => r.firstPageScale.p50, 1, 'lower');
  add(
    `first page at ${SCALE} users: hub CPU per request (ms)`,
    (r) => r.firstPageScale.cpuPerReq,
    2,
    'lower',
  );
  add(
    `first page at ${SCALE} users: of which the hub's main thread (ms)`,
    (r) => r.firstPageScale.mainCpuPerReq,
    2,
    'lower',
  );
  add(
    `first page at ${SCALE} users (req/s, 8 clients)`,
    (r) => r.firstPageScaleTput.rps,
    0,
    'higher',
  );
  add(
    `state=active p50 at ${SCALE} users, ${RUNNING} active (ms)`,
    (r) => r.activeScaleLat.p50,
    1,
    'lower',
  );
  add(
    `state=active at ${SCALE} users, ${RUNNING} active (req/s)`,
    (r) => r.activeScale.rps,
    1,
    'higher',
  );
  add(
    `state=active at ${SCALE} users: hub CPU per request (ms)`,
    (r) => r.activeScale.cpuPerReq,
    2,
    'lower',
  );
  add(`hub RSS, idle empty (MB)`, (r) => r.rssIdle, 0, 'lower');
  add(`hub RSS after ${N} users + storm (MB)`, (r) => r.rssN, 0, 'lower');
  add(`hub RSS at ${SCALE} users, ${RUNNING} running (MB)`, (r) => r.rssScale, 0, 'lower');
  add(`proxy RSS at ${RUNNING} routes (MB)`, (r) => r.proxyRssScale, 0, 'lower');
  add(`hub CPU idle at ${SCALE} users (% of a core)`, (r) => r.idleCpu, 1, 'lower');
  const w = Math.max(...rows.map((r) => r.label.length));
  const out = [
    `| ${'measure'.padEnd(w)} | labhub | JupyterHub 6.1.1 | labhub advantage |`,
    `|${'-'.repeat(w + 2)}|-------:|-----------------:|-----------------:|`,
  ];
  for (const r of rows) {
    const ratio = r.better === 'higher' ? r.l / r.j : r.j / r.l;
    out.push(
      `| ${r.label.padEnd(w)} | ${fmt(r.l, r.d).padStart(6)} | ${fmt(r.j, r.d).padStart(16)} | ${(Number.isFinite(ratio) ? ratio.toFixed(1) + '×' : 'n/a').padStart(16)} |`,
    );
  }
  return out.join('\n');
}

/** Issue 16's goals, each with this run's figure and whether it is met (labhub, and vs JupyterHub). */
function goals(hubs) {
  const [L, J] = ['labhub', 'jupyterhub'].map((k) => hubs.find((h) => h.kind === k)?.results);
  if (!L) return '';
  const get = (r, f) => {
    try {
      return r ? f(r) : NaN;
    } catch {
      return NaN;
    }
  };
  const lines = [];
  const goal = (what, f, met, d = 2) => {
    const v = get(L, f);
    const j = get(J, f);
    const needsJ = met.length > 1; // a goal relative to JupyterHub's figure
    const ok = !Number.isFinite(v)
      ? 'n/a'
      : needsJ && !Number.isFinite(j)
        ? 'n/a without a JupyterHub run'
        : met(v, j)
          ? 'met'
          : 'NOT met';
    lines.push(`- ${what}: ${fmt(v, d)} (${ok})`);
  };
  goal(
    'hub CPU per first page at 1,000 users ≤ 1 ms',
    (r) => r.firstPage1k.cpuPerReq,
    (v) => v <= 1,
  );
  goal(
    `hub CPU per first page at ${SCALE} users ≤ 1 ms`,
    (r) => r.firstPageScale.cpuPerReq,
    (v) => v <= 1,
  );
  goal(
    `hub CPU per state=active at ${SCALE} users ≤ 1 ms`,
    (r) => r.activeScale.cpuPerReq,
    (v) => v <= 1,
  );
  goal(
    `restart at ${SCALE}/${RUNNING}: API < 0.5 s`,
    (r) => r.startScale.apiMs / 1000,
    (v) => v < 0.5,
  );
  goal(
    `restart at ${SCALE}/${RUNNING}: all routes < 1 s`,
    (r) => r.startScale.routesMs / 1000,
    (v) => v < 1,
  );
  goal(
    `storm of ${STORM}: ≥ 15× JupyterHub's servers/s`,
    (r) => r.stormStart.perSec,
    (v, j) => v >= 15 * j,
    1,
  );
  goal(
    'storm: hub CPU per start ≤ 3 ms',
    (r) => r.stormStart.cpuPerServer,
    (v) => v <= 3,
    1,
  );
  if (BIG_STORM)
    goal(
      `${BIG_STORM} concurrent starts, none failing (failed)`,
      (r) => r.bigStorm.failed,
      (v) => v === 0,
      0,
    );
  goal(
    `RSS at ${SCALE}/${RUNNING} ≤ ½ JupyterHub's (MB)`,
    (r) => r.rssScale,
    (v, j) => v <= j / 2,
    0,
  );
  return `Goals of issue 16 (labhub's figure):\n${lines.join('\n')}\n`;
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/hub.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  if (HUBS.includes('jupyterhub') && !existsSync(join(VENV, 'bin/jupyterhub'))) {
    throw new Error(
      `JupyterHub is not installed: python3 -m venv ${VENV} && ${VENV}/bin/pip install jupyterhub==6.1.1`,
    );
  }
  rmSync(RUN, { recursive: true, force: true });
  const hubs = HUBS.map((k) => new HubUnderTest(k));
  for (const h of hubs) await h.init();
  const t0 = Date.now();
  for (const h of hubs) {
    try {
      await benchHub(h);
    } catch (e) {
      log(`${h.kind} FAILED: ${e.stack ?? e}\n--- last output ---\n${h.proc?.tail() ?? ''}`);
      h.failed = true;
      await h.stop().catch(() => {});
      h.farm?.kill('SIGTERM');
    }
  }
  const info = [
    `hub benchmark: ${new Date().toISOString()}, ${((Date.now() - t0) / 1000) | 0} s, node ${process.version}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
    `users ${N} (first ${SMALL} for the small-hub latency), scale ${SCALE}, running ${RUNNING}, storm ${STORM}, API create cap ${CREATE_CAP_MS / 1000} s/hub, labhub proxy: ${opt['labhub-proxy']}`,
  ];
  for (const h of hubs) {
    const r = h.results;
    if (r.create)
      info.push(
        `${h.kind}: ${r.create.created} users created via the API${r.create.created < N ? ` (cap reached; ${N - r.create.created} inserted into the database)` : ''}; storm start codes ${JSON.stringify(r.stormStart?.codes)}, stop codes ${JSON.stringify(r.stormStop?.codes)}; ${r.farmRunning} servers alive across the restart${h.failed ? '; FAILED (see log)' : ''}`,
      );
  }
  process.stdout.write(`${info.join('\n')}\n\n${table(hubs)}\n\n${goals(hubs)}`);
  await Promise.all(hubs.map((h) => h.pool?.close()));
  cleanup();
}

import os from 'node:os';
main().catch((e) => {
  log(e.stack ?? String(e));
  cleanup();
  process.exit(1);
});
