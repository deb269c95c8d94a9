#!/usr/bin/env node
// Side-by-side benchmark: direct connection vs configurable-http-proxy 5.x (node_modules) vs
// labhub-proxy with its Node engine and with HAProxy as engine (`--engine haproxy`, when haproxy
// is installed) (dist/, run `npm run build` first), on one upstream (bench/proxy/upstream.mjs),
// loopback only, bounded in time. HTTP load: wrk (/usr/bin/wrk); WebSocket load:
// bench/proxy/ws-load.mjs. Each proxy holds 1,000 routes; traffic goes to one of them. Two
// reference relays (relay.mjs: a Go splice relay and an eBPF sockmap relay) show what any proxy
// can reach on this machine.
//
//   node bench/proxy/run.mjs   (env: BENCH_SECONDS=5 per phase, BENCH_ROUNDS=3, BENCH_WS_CONNS=200,
//                               BENCH_HTTP_CONNS=50, BENCH_LABHUB_ARGS='--workers 2',
//                               BENCH_HAPROXY_ARGS='--workers 2', BENCH_ENGINES='node haproxy',
//                               BENCH_ROUTES=1000, BENCH_RELAYS='copy sockmap')
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import { Pool } from 'undici';
import { ensureRelay } from './relay.mjs';
import { printTable } from './table.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUTES = Number(process.env.BENCH_ROUTES ?? 1000);
const HTTP_CONNS = Number(process.env.BENCH_HTTP_CONNS ?? 50);
const WS_CONNS = Number(process.env.BENCH_WS_CONNS ?? 200);
const TOKEN = 'bench-token';
const children = new Set();

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
/** The process and its descendants (labhub-proxy --workers N, or the HAProxy it runs under sh). */
function tree(pid) {
  let kids = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {}
  return [pid, ...kids.flatMap(tree)];
}
function rssMB(pid) {
  let sum = 0;
  for (const p of tree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) sum += Number(m[1]) / 1024;
    } catch {}
  }
  return sum;
}
function fds(pid) {
  let sum = 0;
  for (const p of tree(pid)) {
    try {
      sum += readdirSync(`/proc/${p}/fd`).length;
    } catch {}
  }
  return sum;
}
/** CPU time (user+system, ms) a process has used: a noise-robust cost measure on a shared machine. */
function cpuMs(pid) {
  // Include descendants (labhub-proxy --workers N, HAProxy).
  return tree(pid).reduce((a, p) => {
    try {
      return a + ownCpuMs(p);
    } catch {
      return a;
    }
  }, 0);
}
function ownCpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ=100)
}
function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}
async function freePort() {
  return new Promise((r) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
}
function start(cmd, args, env = {}) {
  const c = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(c);
  c.on('exit', () => children.delete(c));
  let out = '';
  c.stdout.on('data', (d) => {
    out += d;
  });
  c.stderr.on('data', (d) => {
    out += d;
  });
  c.output = () => out;
  return c;
}
function cleanup() {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', cleanup);
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function quantiles(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p99: q(0.99) };
}

function wrk(url, conns) {
  const out = execFileSync('wrk', ['-t1', `-c${conns}`, `-d${SECONDS}s`, '--latency', url], {
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const unit = (v, u) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);
  const p99m = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p50m = /\s50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const sockErr = /Socket errors: (.*)/.exec(out);
  return {
    rps,
    p50: p50m ? unit(p50m[1], p50m[2]) : NaN,
    p99: p99m ? unit(p99m[1], p99m[2]) : NaN,
    errors: errs ? Number(errs[1]) : 0,
    sockErr: sockErr?.[1],
  };
}

async function wsLoad(url) {
  const c = start(process.execPath, [
    `${ROOT}bench/proxy/ws-load.mjs`,
    url,
    String(WS_CONNS),
    String(SECONDS * 1000),
  ]);
  await new Promise((r) => c.once('exit', r));
  try {
    return JSON.parse(c.output().trim().split('\n').pop());
  } catch {
    return { rate: NaN, p50: NaN, p99: NaN, errors: c.output().slice(0, 300) };
  }
}

async function api(pool, method, path, body) {
  const t0 = process.hrtime.bigint();
  const r = await pool.request({
    path: `/api/routes${path}`,
    method,
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  await r.body.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode}`);
  return ms;
}

async function startProxy(kind, upstream) {
  const [port, apiPort] = [await freePort(), await freePort()];
  const args = [
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--api-ip',
    '127.0.0.1',
    '--api-port',
    String(apiPort),
    '--log-level',
    'warn',
  ];
  const script =
    kind === 'chp'
      ? `${ROOT}node_modules/configurable-http-proxy/bin/configurable-http-proxy`
      : `${ROOT}bin/labhub-proxy.js`;
  // BENCH_LABHUB_ARGS="--workers 2" tries labhub-proxy's extra options.
  const envArgs = (v) => (v ? v.split(' ').filter(Boolean) : []);
  const extra =
    kind === 'labhub'
      ? envArgs(process.env.BENCH_LABHUB_ARGS)
      : kind === 'haproxy'
        ? ['--engine', 'haproxy', ...envArgs(process.env.BENCH_HAPROXY_ARGS)]
        : [];
  const c = start(process.execPath, [script, ...args, ...extra], { CONFIGPROXY_AUTH_TOKEN: TOKEN });
  const pool = new Pool(`http://127.0.0.1:${apiPort}`, { connections: 1 });
  for (let i = 0; ; i++) {
    try {
      await api(pool, 'GET', '');
      break;
    } catch (e) {
      if (i > 100 || c.exitCode !== null) throw new Error(`${kind} did not start: ${c.output()}`);
      await sleep(100);
    }
  }
  // 1,000 routes, added one at a time: add latency with a growing table.
  const add = [];
  for (let i = 0; i < ROUTES; i++)
    add.push(
      await api(pool, 'POST', `/user/u${i}`, { target: upstream, user: `u${i}`, jupyterhub: true }),
    );
  const getAll = [];
  for (let i = 0; i < 20; i++) getAll.push(await api(pool, 'GET', ''));
  return { c, pid: c.pid, port, pool, add: quantiles(add), getAll: quantiles(getAll) };
}

async function deleteLatency(pool, upstream) {
  for (let i = 0; i < ROUTES; i++) await api(pool, 'POST', `/tmp/r${i}`, { target: upstream });
  const del = [];
  for (let i = 0; i < ROUTES; i++) del.push(await api(pool, 'DELETE', `/tmp/r${i}`));
  return quantiles(del);
}

/** One round of the three load phases against one target; CPU per request from /proc. */
async function phases(name, base, wsBase, pid, peak) {
  const sample = pid
    ? setInterval(() => {
        try {
          peak.rss = Math.max(peak.rss, rssMB(pid));
          peak.fds = Math.max(peak.fds, fds(pid));
        } catch {}
      }, 250)
    : null;
  const cpu = (fn) => async () => {
    const c0 = pid ? cpuMs(pid) : NaN;
    const r = await fn();
    r.cpuMs = pid ? cpuMs(pid) - c0 : NaN;
    return r;
  };
  process.stderr.write(`  ${name}: small HTTP, 64 KiB HTTP, WebSocket echo\n`);
  const small = await cpu(async () => wrk(`${base}/user/u500/api/status`, HTTP_CONNS))();
  const big = await cpu(async () => wrk(`${base}/user/u500/files/big`, 20))();
  const ws = await cpu(() => wsLoad(`${wsBase}/user/u500/api/kernels/k/channels`))();
  if (sample) clearInterval(sample);
  if (process.env.BENCH_DEBUG)
    process.stderr.write(JSON.stringify({ name, small, big, ws }) + '\n');
  small.cpuPer = (small.cpuMs * 1000) / (small.rps * SECONDS);
  big.cpuPer = (big.cpuMs * 1000) / (big.rps * SECONDS);
  ws.cpuPer = (ws.cpuMs * 1000) / ws.msgs;
  return { small, big, ws };
}

/** Median over rounds of each metric. */
function combine(rounds) {
  const pick = (k, m) => median(rounds.map((r) => r[k][m]));
  const out = {};
  for (const k of ['small', 'big', 'ws']) {
    out[k] = {};
    for (const m of ['rps', 'rate', 'p50', 'p99', 'cpuPer']) out[k][m] = pick(k, m);
    out[k].errors = rounds.reduce((a, r) => a + (Number(r[k].errors) || 0), 0);
  }
  return out;
}

async function main() {
  if (!existsSync(`${ROOT}dist/proxy/server/cli.js`))
    throw new Error('dist/ missing: run `npm run build` first');
  const up = start(process.execPath, [`${ROOT}bench/proxy/upstream.mjs`]);
  while (!/PORT \d+/.test(up.output())) await sleep(50);
  const upPort = Number(/PORT (\d+)/.exec(up.output())[1]);
  const upstream = `http://127.0.0.1:${upPort}`;
  const proxies = {};
  const engines = (process.env.BENCH_ENGINES ?? 'node haproxy').split(' ');
  const kinds = ['chp', 'labhub', ...(engines.includes('haproxy') ? ['haproxy'] : [])];
  for (const kind of kinds) {
    process.stderr.write(`${kind}: starting, adding ${ROUTES} routes\n`);
    proxies[kind] = await startProxy(kind, upstream);
    proxies[kind].before = { rss: rssMB(proxies[kind].pid), fds: fds(proxies[kind].pid) };
    proxies[kind].peak = { rss: 0, fds: 0 };
  }
  // The reference relays (no routing, no HTTP): what any proxy can reach on this machine.
  const relays = [];
  for (const mode of (process.env.BENCH_RELAYS ?? 'copy sockmap').split(' ').filter(Boolean)) {
    const kind = `relay-${mode}`;
    let bin;
    try {
      bin = await ensureRelay();
    } catch (e) {
      process.stderr.write(`${kind} left out: ${e.message}\n`);
      continue;
    }
    const c = start(bin, ['-mode', mode, '-upstream', `127.0.0.1:${upPort}`]);
    while (!/PORT \d+/.test(c.output()) && c.exitCode === null) await sleep(50);
    if (c.exitCode !== null) {
      process.stderr.write(`${kind} left out: ${c.output().trim()}\n`);
      continue;
    }
    const port = Number(/PORT (\d+)/.exec(c.output())[1]);
    proxies[kind] = { c, pid: c.pid, port, before: { rss: rssMB(c.pid), fds: fds(c.pid) } };
    proxies[kind].peak = { rss: 0, fds: 0 };
    relays.push(kind);
  }
  const targets = [
    ['direct', upstream, `ws://127.0.0.1:${upPort}`, null, { rss: 0, fds: 0 }],
    ...[...kinds, ...relays].map((kind) => [
      kind,
      `http://127.0.0.1:${proxies[kind].port}`,
      `ws://127.0.0.1:${proxies[kind].port}`,
      proxies[kind].pid,
      proxies[kind].peak,
    ]),
  ];
  const rounds = Object.fromEntries(targets.map((t) => [t[0], []]));
  // Interleaved rounds in rotating order: the machine's background load hits every target alike.
  for (let r = 0; r < ROUNDS; r++) {
    process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
    for (let i = 0; i < targets.length; i++) {
      const [name, base, wsBase, pid, peak] = targets[(i + r) % targets.length];
      rounds[name].push(await phases(name, base, wsBase, pid, peak));
    }
  }
  await sleep(6000); // idle keep-alive sockets expire
  const results = [];
  results.push({ name: 'direct', ...combine(rounds.direct) });
  for (const kind of kinds) {
    const p = proxies[kind];
    const r = {
      name: kind,
      ...combine(rounds[kind]),
      before: p.before,
      peak: p.peak,
      after: { rss: rssMB(p.pid), fds: fds(p.pid) },
      add: p.add,
      getAll: p.getAll,
    };
    r.del = await deleteLatency(p.pool, upstream);
    await p.pool.close();
    p.c.kill('SIGTERM');
    await new Promise((res) => p.c.once('exit', res));
    results.push(r);
  }
  for (const kind of relays) {
    const p = proxies[kind];
    const after = { rss: rssMB(p.pid), fds: fds(p.pid) };
    results.push({ name: kind, ...combine(rounds[kind]), before: p.before, peak: p.peak, after });
    p.c.kill('SIGTERM');
  }
  printTable(results, { SECONDS, ROUNDS, ROUTES, HTTP_CONNS, WS_CONNS });
  cleanup();
}

main().catch((e) => {
  console.error(e);
  cleanup();
  process.exit(1);
});
