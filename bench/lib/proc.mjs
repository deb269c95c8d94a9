// Process helpers shared by the benchmarks (bench/hub/run.mjs, bench/kubernetes/run.mjs): a
// process's RSS and CPU time from /proc, free loopback ports, liveness, the pid of the proxy a
// hub started, and the set of processes a run must end when it exits.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function log(msg) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Resident memory of a process (MB), NaN once it is gone. */
export function rssMB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system, ms) of a process: robust to other load on a shared machine. */
export function cpuMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (user + system, ms) of a process's main thread (the JavaScript thread for Node) and of
 * all its other threads together (for Node: V8's garbage-collection helpers, libuv's pool).
 */
export function threadCpuMs(pid) {
  let main = 0;
  let other = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let f;
      try {
        f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      } catch {
        continue; // the thread ended meanwhile (its time is then in neither figure)
      }
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100;
      if (Number(tid) === pid) main += ms;
      else other += ms;
    }
  } catch {
    return { main: NaN, other: NaN };
  }
  return { main, other };
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((r) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
}

/** Pid of the process listening on 127.0.0.1:`port` (the proxy a hub started), or null. */
export function listenerPid(port) {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    return Number(/pid=(\d+)/.exec(out)?.[1]) || null;
  } catch {
    return null;
  }
}

/** Child processes of this run, and other pids it started indirectly (a hub's proxy). */
export const children = new Set();
export const extraPids = new Set();

/** Ends (SIGKILL) everything this run started; also done when the run exits. */
export function cleanup() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
process.on('exit', cleanup);
