// How long labhub-proxy --engine haproxy takes to apply a POST /api/routes batch (the API answers
// only once HAProxy has every route), and the CPU labhub-proxy and HAProxy spend on it (/proc).
// Run: node --import tsx bench/proxy/batch-apply.ts [sizes...]   (default 200 1000; build first)
import { readFileSync } from 'node:fs';
import { startProxy } from '../../test/proxy/helpers/proxy-process.js';

const sizes = process.argv.slice(2).map(Number);
if (!sizes.length) sizes.push(200, 1000);
const TICK = 100; // USER_HZ on Linux
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}
function haproxyPid(parent: number): number {
  // labhub-proxy → sh supervisor → haproxy
  const kids = (p: number) =>
    readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  for (const sh of kids(parent))
    for (const h of kids(sh)) if (/haproxy/.test(readFileSync(`/proc/${h}/comm`, 'utf8'))) return h;
  throw new Error('no haproxy child found');
}

const p = await startProxy(['--engine', 'haproxy']);
try {
  const hp = haproxyPid(p.pid);
  console.log(
    `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  console.log(
    'size  kind  median wall ms  proxy cpu ms  haproxy cpu ms (wall: median, cpu: mean of %d rounds)',
    ROUNDS,
  );
  let run = 0;
  const med = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  // CPU is counted in 10 ms ticks: the mean over the rounds.
  const mean = (xs: number[]) => (xs.reduce((x, y) => x + y, 0) / xs.length).toFixed(0);
  for (const n of sizes) {
    const m = { add: [[], [], []], set: [[], [], []] } as Record<string, number[][]>;
    for (let k = 0; k < ROUNDS; k++) {
      run++;
      for (const kind of ['add', 'set'] as const) {
        // `add`: n new routes; `set`: the same n routes again with another target.
        const routes: Record<string, unknown> = {};
        for (let i = 0; i < n; i++)
          routes[`/user/r${run}u${i}/`] = {
            target: `http://127.0.0.${1 + (i % 200)}:${kind === 'add' ? 9000 : 9001}`,
            user: `u${i}`,
          };
        const c0 = cpuMs(p.pid);
        const h0 = cpuMs(hp);
        const t0 = performance.now();
        const r = await p.api('POST', '', { routes });
        const wall = performance.now() - t0;
        if (r.status !== 201) throw new Error(`batch refused: ${r.status} ${r.body}`);
        m[kind]![0]!.push(wall);
        m[kind]![1]!.push(cpuMs(p.pid) - c0);
        m[kind]![2]!.push(cpuMs(hp) - h0);
      }
      // Keep the map at its size: remove this round's routes (not measured).
      for (let i = 0; i < n; i++) await p.api('DELETE', `/user/r${run}u${i}/`);
    }
    for (const kind of ['add', 'set'])
      console.log(
        `${String(n).padStart(5)}  ${kind}  ${med(m[kind]![0]!).toFixed(0).padStart(13)}  ${mean(m[kind]![1]!).padStart(12)}  ${mean(m[kind]![2]!).padStart(14)}`,
      );
  }
} finally {
  await p.stop();
}
