// How long labhub-proxy --engine haproxy takes to apply a POST /api/routes batch (the API answers
// only once HAProxy has every route), and the CPU labhub-proxy and HAProxy spend on it (/proc).
// Run: node --import tsx bench/proxy/batch-apply.ts [sizes...]   (default 200 1000; build first)
import { readFileSync } from 'node:fs';
import { startProxy } from '../../test/proxy/helpers/proxy-process.js';

const sizes = process.argv.slice(2).map(Number);
if (!sizes.length) sizes.push(200, 1000);
const TICK = 100; // USER_HZ on Linux

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
  console.log('size  kind  wall ms  proxy cpu ms  haproxy cpu ms');
  let run = 0;
  for (const n of sizes) {
    for (const kind of ['add', 'set'] as const) {
      if (kind === 'add') run++;
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
      console.log(
        `${String(n).padStart(5)}  ${kind}  ${wall.toFixed(0).padStart(7)}  ${String(cpuMs(p.pid) - c0).padStart(12)}  ${String(cpuMs(hp) - h0).padStart(14)}`,
      );
    }
  }
} finally {
  await p.stop();
}
