// The hub benchmark's report (bench/hub/run.mjs): the side-by-side table and issue 16's goals,
// from each hub's results. `p` holds the run's sizes (N, SCALE, RUNNING, STORM, BIG_STORM, BATCH,
// SMALL, as run.mjs names them).

function fmt(v, d = 0) {
  return Number.isFinite(v) ? v.toFixed(d) : 'n/a';
}

export function table(hubs, p) {
  const { N, SCALE, RUNNING, STORM, BIG_STORM, BATCH, SMALL } = p;
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
  add(
    `spawn storm again, ${STORM} other users (s until all ready)`,
    (r) => r.stormAgain.ms / 1000,
    2,
    'lower',
  );
  add(`spawn storm again (servers/s)`, (r) => r.stormAgain.perSec, 1, 'higher');
  add(`spawn storm again: hub CPU per start (ms)`, (r) => r.stormAgain.cpuPerServer, 1, 'lower');
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
  add(
    `first page at ${SMALL} users: hub CPU per request, cold (ms)`,
    (r) => r.firstPage1kCold.cpuPerReq,
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
    `first page at ${SCALE} users: hub CPU per request, cold (ms)`,
    (r) => r.firstPageScaleCold.cpuPerReq,
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
  add(
    `hub RSS at ${SCALE} users, ${RUNNING} running, after 15 s quiet (MB)`,
    (r) => r.rssScaleQuiet,
    0,
    'lower',
  );
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
export function goals(hubs, p) {
  const { SCALE, RUNNING, STORM, BIG_STORM } = p;
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
    'first page at 1,000 users one at a time: ≥ 15× less hub CPU than JupyterHub',
    (r) => r.firstPage1k.cpuPerReq,
    (v, j) => v * 15 <= j,
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
    `the storm again, ${STORM} other users: ≥ 15× JupyterHub's servers/s`,
    (r) => r.stormAgain.perSec,
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
  goal(
    `RSS at ${SCALE}/${RUNNING} after 15 s quiet ≤ ½ JupyterHub's (MB)`,
    (r) => r.rssScaleQuiet,
    (v, j) => v <= j / 2,
    0,
  );
  return `Goals of issue 16 (labhub's figure):\n${lines.join('\n')}\n`;
}
