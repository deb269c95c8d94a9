/**
 * Enforcing Spawner.mem_limit / cpu_limit for local processes, where the machine allows it.
 *
 * Methods, first that works wins:
 * 1. `systemd`  — systemd is PID 1 and we are root: `systemd-run --scope -p MemoryMax= -p CPUQuota=`.
 * 2. `cgroup2`  — a cgroup v2 hierarchy with the memory/cpu controllers, we are root: a directory
 *                 `<mount>/labhub.slice/<key>` with memory.max / cpu.max.
 * 3. `cgroup1`  — cgroup v1 memory/cpu hierarchies, we are root: a directory `labhub/<key>` under
 *                 the hub's own cgroup (so the hub's own limits still apply), with
 *                 memory.limit_in_bytes / cpu.cfs_quota_us.
 * 4. `prlimit`  — memory only: `prlimit --as=` caps the address space of each process (not the
 *                 sum of the server and its kernels). CPU is not enforced.
 * For the cgroup methods the process joins its cgroup before exec (`sh -c 'echo $$ > procs; exec'`),
 * so nothing it starts escapes the limit.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findOnPath } from './proc.js';

export type LimitMethod = 'systemd' | 'cgroup2' | 'cgroup1' | 'prlimit' | 'none';

interface Detected {
  memory: LimitMethod;
  cpu: LimitMethod;
  cgroup2?: string;
  cgroup1?: { memory?: string; cpu?: string };
}

let cached: Detected | null = null;

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** cgroup v1 directory of this process for `controller` (mount point + own path). */
function ownV1Dir(controller: string): string | undefined {
  const mounts = readOr('/proc/self/mountinfo').split('\n');
  let mount: string | undefined;
  for (const line of mounts) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const [fstype, , opts] = post.split(' ');
    if (fstype === 'cgroup' && opts?.split(',').includes(controller)) mount = pre.split(' ')[4];
  }
  if (!mount) return undefined;
  for (const line of readOr('/proc/self/cgroup').split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (ctrls?.split(',').includes(controller)) return join(mount, path ?? '/');
  }
  return mount;
}

function cgroup2Mount(): string | undefined {
  for (const line of readOr('/proc/self/mountinfo').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.split(' ')[0] === 'cgroup2') {
      const mnt = pre.split(' ')[4];
      const ctrls = readOr(join(mnt, 'cgroup.controllers')).split(/\s+/);
      if (ctrls.includes('memory') && ctrls.includes('cpu')) return mnt;
    }
  }
  return undefined;
}

function detect(): Detected {
  if (cached) return cached;
  const root = process.getuid?.() === 0;
  let d: Detected = { memory: 'none', cpu: 'none' };
  const pid1 = readOr('/proc/1/comm').trim();
  if (
    root &&
    pid1 === 'systemd' &&
    findOnPath('systemd-run', process.env.PATH ?? '/usr/bin:/bin')
  ) {
    d = { memory: 'systemd', cpu: 'systemd' };
  } else if (root && cgroup2Mount()) {
    d = { memory: 'cgroup2', cpu: 'cgroup2', cgroup2: cgroup2Mount() };
  } else if (root) {
    const memory = ownV1Dir('memory');
    const cpu = ownV1Dir('cpu');
    const mOk = memory && existsSync(join(memory, 'memory.limit_in_bytes')) && writable(memory);
    const cOk = cpu && existsSync(join(cpu, 'cpu.cfs_quota_us')) && writable(cpu);
    d = {
      memory: mOk ? 'cgroup1' : 'none',
      cpu: cOk ? 'cgroup1' : 'none',
      cgroup1: { memory: mOk ? memory : undefined, cpu: cOk ? cpu : undefined },
    };
  }
  if (d.memory === 'none' && findOnPath('prlimit', process.env.PATH ?? '/usr/bin:/bin'))
    d.memory = 'prlimit';
  cached = d;
  return d;
}

const WHAT: Record<LimitMethod, { memory: string; cpu: string }> = {
  systemd: {
    memory: 'enforced with systemd-run --scope (MemoryMax)',
    cpu: 'enforced with systemd-run --scope (CPUQuota)',
  },
  cgroup2: {
    memory: 'enforced with a cgroup v2 directory (memory.max)',
    cpu: 'enforced with a cgroup v2 directory (cpu.max)',
  },
  cgroup1: {
    memory: 'enforced with a cgroup v1 directory (memory.limit_in_bytes)',
    cpu: 'enforced with a cgroup v1 directory (cpu.cfs_quota_us)',
  },
  prlimit: {
    memory:
      'only approximated with prlimit --as (per-process address space; kernels are not counted together)',
    cpu: '',
  },
  none: {
    memory:
      'NOT enforced (no systemd, no writable cgroup, no prlimit; run the hub as root on a cgroup-enabled machine)',
    cpu: 'NOT enforced (needs root and systemd or a writable cgroup cpu controller)',
  },
};

/**
 * What the local-process spawner will do with mem_limit / cpu_limit on this machine, as sentences
 * the hub logs at start (JupyterHub silently ignores them; we say so).
 */
export function describeLimitSupport(): { memory: string; cpu: string } {
  const d = detect();
  return {
    memory: `Spawner.mem_limit: ${WHAT[d.memory].memory}`,
    cpu: `Spawner.cpu_limit: ${d.cpu === 'none' || d.cpu === 'prlimit' ? WHAT.none.cpu : WHAT[d.cpu].cpu}`,
  };
}

/** How a process is put under its limits: a command prefix, and directories to remove after exit. */
export interface LimitPlan {
  prefix: string[];
  cleanupDirs: string[];
  memory: LimitMethod;
  cpu: LimitMethod;
}

const JOIN_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

/**
 * Prepares limits for one server (`key` = a unique, filesystem-safe name) and returns the command
 * prefix that applies them. No limits → empty prefix. Throws the OS error when a cgroup cannot be
 * created/written (the spawner turns it into LABHUB_ERR_SPAWN_FAILED).
 */
export function planLimits(
  key: string,
  memLimit: number | null,
  cpuLimit: number | null,
): LimitPlan {
  const d = detect();
  const plan: LimitPlan = { prefix: [], cleanupDirs: [], memory: 'none', cpu: 'none' };
  const wantMem = memLimit != null && memLimit > 0;
  const wantCpu = cpuLimit != null && cpuLimit > 0;
  if (!wantMem && !wantCpu) return plan;
  const safeKey = key.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (d.memory === 'systemd') {
    plan.prefix = [
      'systemd-run',
      '--scope',
      '--quiet',
      '--collect',
      `--unit=labhub-${safeKey}-${Date.now()}`,
    ];
    if (wantMem) plan.prefix.push('-p', `MemoryMax=${Math.trunc(memLimit!)}`);
    if (wantCpu) plan.prefix.push('-p', `CPUQuota=${Math.round(cpuLimit! * 100)}%`);
    plan.prefix.push('--');
    plan.memory = wantMem ? 'systemd' : 'none';
    plan.cpu = wantCpu ? 'systemd' : 'none';
    return plan;
  }
  const procs: string[] = [];
  if (d.memory === 'cgroup2' && d.cgroup2) {
    const parent = join(d.cgroup2, 'labhub.slice');
    mkdirSync(parent, { recursive: true });
    // Controllers must be enabled on the way down; the root normally has them already.
    writeFileSync(
      join(parent, 'cgroup.subtree_control'),
      `${wantMem ? '+memory ' : ''}${wantCpu ? '+cpu' : ''}`.trim(),
    );
    const dir = join(parent, safeKey);
    mkdirSync(dir, { recursive: true });
    if (wantMem) {
      writeFileSync(join(dir, 'memory.max'), String(Math.trunc(memLimit!)));
      plan.memory = 'cgroup2';
    }
    if (wantCpu) {
      writeFileSync(join(dir, 'cpu.max'), `${Math.round(cpuLimit! * 100000)} 100000`);
      plan.cpu = 'cgroup2';
    }
    procs.push(join(dir, 'cgroup.procs'));
    plan.cleanupDirs.push(dir);
  } else {
    if (wantMem && d.memory === 'cgroup1' && d.cgroup1?.memory) {
      const dir = join(d.cgroup1.memory, 'labhub', safeKey);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(Math.trunc(memLimit!)));
      procs.push(join(dir, 'cgroup.procs'));
      plan.cleanupDirs.push(dir);
      plan.memory = 'cgroup1';
    }
    if (wantCpu && d.cpu === 'cgroup1' && d.cgroup1?.cpu) {
      const dir = join(d.cgroup1.cpu, 'labhub', safeKey);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.cfs_period_us'), '100000');
      writeFileSync(
        join(dir, 'cpu.cfs_quota_us'),
        String(Math.max(1000, Math.round(cpuLimit! * 100000))),
      );
      procs.push(join(dir, 'cgroup.procs'));
      plan.cleanupDirs.push(dir);
      plan.cpu = 'cgroup1';
    }
  }
  if (procs.length)
    plan.prefix.push('/bin/sh', '-c', JOIN_SCRIPT, 'labhub-cgroup', String(procs.length), ...procs);
  if (wantMem && plan.memory === 'none' && d.memory === 'prlimit') {
    plan.prefix.push('prlimit', `--as=${Math.trunc(memLimit!)}`, '--');
    plan.memory = 'prlimit';
  }
  return plan;
}

/** Removes the cgroup directories of a stopped server (ignores ones still busy or gone). */
export function cleanupLimits(dirs: string[]): void {
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      /* still has processes, or already gone */
    }
    // The shared parent goes too once empty (fails harmlessly while other servers use it).
    const parent = dirname(dir);
    if (['labhub', 'labhub.slice'].includes(basename(parent))) {
      try {
        rmdirSync(parent);
      } catch {
        /* other servers still there */
      }
    }
  }
}
