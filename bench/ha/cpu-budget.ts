// A CPU budget per hub replica for the throughput figures (bench/ha/README.md): each replica in
// its own cgroup capped at `cores` CPUs — cgroup v2 `cpu.max` where the cpu controller is on the
// unified hierarchy, else cgroup v1 `cpu.cfs_quota_us` (the same CFS bandwidth limit) — so each
// replica is a "machine" of its own; the load generator, PostgreSQL and the proxies stay outside.
// Root only. Each replica's CPU time is read from /proc/<pid>/stat.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const V2 = '/sys/fs/cgroup';
const V1 = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

function v2Root(): string | null {
  for (const root of [V2, join(V2, 'unified')]) {
    const c = join(root, 'cgroup.controllers');
    if (existsSync(c) && readFileSync(c, 'utf8').split(/\s+/).includes('cpu')) return root;
  }
  return null;
}

export class CpuBudgets {
  private readonly dirs: string[] = [];
  readonly kind: string;
  private readonly base: string;

  constructor(name: string) {
    const v2 = v2Root();
    if (v2) {
      this.kind = 'cgroup v2 cpu.max';
      this.base = join(v2, name);
      mkdirSync(this.base, { recursive: true });
      writeFileSync(join(this.base, 'cgroup.subtree_control'), '+cpu');
    } else if (existsSync(join(V1, 'cpu.cfs_quota_us'))) {
      this.kind = 'cgroup v1 cpu.cfs_quota_us';
      this.base = join(V1, name);
      mkdirSync(this.base, { recursive: true });
    } else throw new Error('no cgroup cpu controller to write (cgroup v2 or v1, as root)');
  }

  /** A cgroup of `cores` CPUs holding `pid` (and what it starts from now on). */
  place(name: string, pid: number, cores: number): void {
    const dir = join(this.base, name);
    mkdirSync(dir, { recursive: true });
    const quota = Math.round(cores * PERIOD_US);
    if (this.kind.startsWith('cgroup v2')) {
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    } else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    if (!this.dirs.includes(dir)) this.dirs.push(dir);
  }

  /** Remove the cgroups (their processes must be gone). */
  remove(): void {
    for (const d of this.dirs.splice(0))
      try {
        rmdirSync(d);
      } catch {
        /* still has processes: left for the next run */
      }
    try {
      rmdirSync(this.base);
    } catch {
      /* idem */
    }
  }
}

/** CPU seconds (user + system) of one process so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name and state.
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The machine's busy and total CPU time so far (jiffies), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const n = f.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  // idle and iowait are not busy.
  return { busy: total - n[3]! - (n[4] ?? 0), total };
}
