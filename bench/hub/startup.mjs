#!/usr/bin/env node
// Time from process start until the hub's API answers, `node bin/labhub.js` with the esbuild
// bundle (dist/bundle/) vs tsc's output (LABHUB_NO_BUNDLE=1), interleaved A/B on one prepared
// database (dummy authenticator, --users users written straight into SQLite). `npm run build` first.
//
//   node bench/hub/startup.mjs [--runs 9] [--users 50000] [--profile]
//
// Prints the median (and min/max) per variant. --profile adds one `node --cpu-prof` run of each,
// stopped as soon as the API answers, with its samples split into module loading (a stack under
// Node's module loader: resolving, reading, compiling, evaluating module bodies), garbage
// collection, and everything else (the hub's own start-up).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    users: { type: 'string', default: '50000' },
    profile: { type: 'boolean', default: false },
  },
});

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer().once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'labhub-startup-'));
const dbFile = join(dir, 'labhub.sqlite');

/**
 * Starts the hub, returns ms from spawn until GET /hub/api answers 200, then stops it; pushes its
 * RSS (MB) once started (a second after the proxy answers) onto `rss`.
 */
async function once({ bundle, nodeArgs = [], rss = [] }) {
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const config = join(dir, 'labhub.yaml');
  writeFileSync(
    config,
    `JupyterHub:\n  db_url: sqlite:///${dbFile}\n  port: ${port}\n  hub_port: ${hubPort}\n` +
      `  authenticator_class: dummy\n  cleanup_proxy: true\n` +
      `ConfigurableHTTPProxy:\n  api_url: http://127.0.0.1:${apiPort}\n`,
  );
  const env = { ...process.env, LABHUB_LOG_LEVEL: 'warn' };
  if (bundle) delete env.LABHUB_NO_BUNDLE;
  else env.LABHUB_NO_BUNDLE = '1';
  const args = [...nodeArgs, join(ROOT, 'bin/labhub.js'), '--config', config];
  const t0 = performance.now();
  const p = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const exited = new Promise((res) => p.once('exit', res));
  let ms = NaN;
  while (p.exitCode === null && performance.now() - t0 < 120_000) {
    const r = await fetch(`http://127.0.0.1:${hubPort}/hub/api`).catch(() => null);
    if (r?.status === 200) {
      ms = performance.now() - t0;
      break;
    }
    await new Promise((res) => setTimeout(res, 5));
  }
  // SIGTERM once the hub has finished starting (the proxy answers for it; a moment later the
  // hub's handler is there, and stops the proxy it started too).
  while (p.exitCode === null && performance.now() - t0 < 120_000) {
    const r = await fetch(`http://127.0.0.1:${port}/hub/api`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  await new Promise((res) => setTimeout(res, 1000));
  const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
  rss.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
  p.kill('SIGTERM');
  await exited;
  if (Number.isNaN(ms)) throw new Error(`the hub did not answer:\n${err}`);
  return ms;
}

function insertUsers(n) {
  const Database = createRequire(import.meta.url)(join(ROOT, 'node_modules/better-sqlite3'));
  const c = new Database(dbFile);
  const now = new Date().toISOString();
  const ins = c.prepare(
    'insert or ignore into users (name, admin, created, last_activity, cookie_id) values (?, 0, ?, null, ?)',
  );
  c.transaction(() => {
    for (let i = 0; i < n; i++)
      ins.run(
        `u${String(i).padStart(6, '0')}`,
        now,
        `c${i}-${Math.random().toString(16).slice(2)}`,
      );
  })();
  c.close();
}

/** Splits a .cpuprofile's samples of the first `untilMs` (ms): module loading, GC, idle, the rest. */
function split(file, untilMs) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const kind = new Map();
  const classify = (id) => {
    if (kind.has(id)) return kind.get(id);
    const n = byId.get(id);
    const { functionName: fn, url } = n.callFrame;
    let k;
    if (fn === '(garbage collector)') k = 'gc';
    else if (fn === '(idle)') k = 'idle';
    else if (url.startsWith('node:internal/modules/')) k = 'loading';
    else k = parent.has(id) ? classify(parent.get(id)) : 'own';
    kind.set(id, k);
    return k;
  };
  const out = { loading: 0, gc: 0, idle: 0, own: 0 };
  let t = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    if (t <= untilMs) out[classify(id)] += dt;
  });
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  await once({ bundle: true }); // creates and migrates the database
  insertUsers(Number(opt.users));
  const res = { bundle: [], modules: [] };
  const rss = { bundle: [], modules: [] };
  for (let i = 0; i < Number(opt.runs); i++)
    for (const bundle of i % 2 ? [false, true] : [true, false]) {
      const k = bundle ? 'bundle' : 'modules';
      res[k].push(await once({ bundle, rss: rss[k] }));
    }
  const load = (await import('node:os')).loadavg()[0].toFixed(1);
  console.log(`time to API, ${opt.users} users, ${opt.runs} runs each (load ${load}):`);
  for (const [k, xs] of Object.entries(res))
    console.log(
      `  ${k.padEnd(8)} median ${median(xs).toFixed(0)} ms  (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}); RSS once started: median ${median(rss[k]).toFixed(0)} MB`,
    );
  if (opt.profile)
    for (const bundle of [true, false]) {
      const pdir = join(dir, `prof-${bundle}`);
      const ms = await once({ bundle, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${pdir}`] });
      const s = split(join(pdir, readdirSync(pdir)[0]), ms);
      const f = (v) => v.toFixed(0).padStart(4);
      console.log(
        `  profile ${bundle ? 'bundle ' : 'modules'} (${ms.toFixed(0)} ms to API): module loading ${f(s.loading)} ms, own work ${f(s.own)} ms, GC ${f(s.gc)} ms, idle ${f(s.idle)} ms`,
      );
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
