#!/usr/bin/env node
// Hub benchmark: labhub vs JupyterHub 6.1.1 (PyPI, in <repo>/.venv-bench), side by side in one run,
// both reading bench/hub/jupyterhub_config.py, loopback only, bounded in time and requests.
// See bench/hub/README.md. Run `npm run build` first.
//
//   node bench/hub/run.mjs [--users 10000] [--scale-users 50000] [--running 500] [--storm 200]
//     [--big-storm 1000] [--create-cap 90] [--read-seconds 4] [--warm-seconds 3]
//     [--hubs labhub,jupyterhub] [--labhub-proxy own|chp]
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { cleanup, cpuMs, threadCpuMs, log, sleep } from '../lib/proc.mjs';
import { goals, table } from './report.mjs';
import { HubUnderTest, ROOT, RUN, VENV } from './hub-under-test.mjs';

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
    'warm-seconds': { type: 'string', default: '3' },
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
const WARM_MS = Number(opt['warm-seconds']) * 1000;
const SMALL = Math.min(1000, N);
const HUBS = opt.hubs.split(',');
const uname = (i) => `u${String(i).padStart(6, '0')}`;

function quant(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
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

/**
 * Reads of `path` one at a time for WARM_MS, the same time for both hubs: a JIT (labhub's V8)
 * optimises the request path over the first few thousand requests; JupyterHub's CPython has none.
 */
async function warmUp(h, path) {
  const end = performance.now() + WARM_MS;
  while (performance.now() < end) {
    const r = await h.api('GET', path, null, { accept: PAGINATED });
    if (r.status !== 200) throw new Error(`${h.kind}: GET ${path} -> ${r.status}`);
  }
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
  await latency(h, '/users', 30); // the first listings compile the path
  // 300 requests: /proc counts CPU in 10 ms ticks, ±0.03 ms per request at 300. First while
  // labhub's JIT still compiles the request path (cold), then after WARM_MS of reads (warm).
  R.firstPage1kCold = await latency(h, '/users', 300);
  await warmUp(h, '/users');
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
  // The same storm for as many other users: the first storm also paid labhub's JIT warm-up for
  // the spawn path (no per-user row of these users exists yet either, as in the first).
  const again = Array.from({ length: Math.min(STORM, N - STORM) }, (_, i) => uname(STORM + i));
  if (again.length) {
    R.stormAgain = await serverStorm(h, again, 'start', again.length);
    await serverStorm(h, again, 'stop', again.length);
    log(`${h.kind}: ${again.length} other starts in ${R.stormAgain.ms.toFixed(0)} ms`);
  }

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
  await latency(h, '/users', 30); // after the restart, as at ${SMALL} users: cold, then warm
  R.firstPageScaleCold = await latency(h, '/users', 300);
  await warmUp(h, '/users');
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
  // The same hub after 15 s without requests: what an operator sees on a hub between bursts
  // (V8 returns garbage after ~8 s of quiet; CPython keeps its arenas).
  await sleep(9000);
  R.rssScaleQuiet = h.rss();
  log(`${h.kind}: done; RSS ${R.rssScale.toFixed(0)} MB`);
  await h.stop();
  h.farm.kill('SIGTERM'); // frees its ports before the next hub runs
}

const sizes = { N, SCALE, RUNNING, STORM, BIG_STORM, BATCH, SMALL };

async function main() {
  if (!existsSync(join(ROOT, 'dist/hub.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  if (HUBS.includes('jupyterhub') && !existsSync(join(VENV, 'bin/jupyterhub'))) {
    throw new Error(
      `JupyterHub is not installed: python3 -m venv ${VENV} && ${VENV}/bin/pip install jupyterhub==6.1.1`,
    );
  }
  rmSync(RUN, { recursive: true, force: true });
  const hubs = HUBS.map((k) => new HubUnderTest(k, opt['labhub-proxy']));
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
  process.stdout.write(`${info.join('\n')}\n\n${table(hubs, sizes)}\n\n${goals(hubs, sizes)}`);
  await Promise.all(hubs.map((h) => h.pool?.close()));
  cleanup();
}

import os from 'node:os';
main().catch((e) => {
  log(e.stack ?? String(e));
  cleanup();
  process.exit(1);
});
