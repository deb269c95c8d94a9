/**
 * Resource use of a local server: CPU seconds and memory of its process tree, read from its own
 * cgroup v2 directory when it has one (resource limits), else from /proc. Linux only.
 *
 * /proc is read once per snapshot for all servers (one `stat` file per process on the machine),
 * not once per server: the sampler asks every running server within one tick, and a snapshot is
 * reused for {@link SNAPSHOT_MAX_AGE_MS}.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerUsage } from './types.js';

interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  rssPages: number;
}

interface Snapshot {
  takenAt: number;
  byPid: Map<number, ProcEntry>;
  children: Map<number, number[]>;
  byGroup: Map<number, number[]>;
}

/** How long one /proc snapshot serves (a sampler tick asks every server within it). */
export const SNAPSHOT_MAX_AGE_MS = 1000;
/** USER_HZ: the unit of /proc/<pid>/stat times (100 on every Linux architecture labhub runs on). */
const TICKS_PER_SECOND = 100;

let pageSize: number | null = null;
function pageBytes(): number {
  if (pageSize === null) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

function parseStat(pid: number, text: string): ProcEntry | null {
  // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (rest.length < 22) return null;
  const f = (i: number) => Number(rest[i]) || 0;
  return {
    pid,
    ppid: f(1),
    pgrp: f(2),
    ticks: f(11) + f(12) + f(13) + f(14),
    rssPages: f(21),
  };
}

let cached: Snapshot | null = null;

/** Every process of the machine (reused for SNAPSHOT_MAX_AGE_MS unless `fresh`). */
export function procSnapshot(opts: { fresh?: boolean; procDir?: string } = {}): Snapshot {
  const now = Date.now();
  if (!opts.fresh && !opts.procDir && cached && now - cached.takenAt < SNAPSHOT_MAX_AGE_MS)
    return cached;
  const dir = opts.procDir ?? '/proc';
  const snap: Snapshot = {
    takenAt: now,
    byPid: new Map(),
    children: new Map(),
    byGroup: new Map(),
  };
  for (const name of readdirSync(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let e: ProcEntry | null = null;
    try {
      e = parseStat(pid, readFileSync(join(dir, name, 'stat'), 'utf8'));
    } catch {
      continue; // exited while we read
    }
    if (!e) continue;
    snap.byPid.set(pid, e);
    const c = snap.children.get(e.ppid);
    if (c) c.push(pid);
    else snap.children.set(e.ppid, [pid]);
    const g = snap.byGroup.get(e.pgrp);
    if (g) g.push(pid);
    else snap.byGroup.set(e.pgrp, [pid]);
  }
  if (!opts.procDir) cached = snap;
  return snap;
}

/**
 * The server's processes: `root` and its descendants, plus its process group (kernels whose
 * parent died keep the group). Each live process counts its own time and that of the children
 * it reaped, so every process is counted once.
 */
export function treeUsage(snap: Snapshot, root: number): ServerUsage | null {
  if (!snap.byPid.has(root)) return null;
  const seen = new Set<number>();
  const todo = [root, ...(snap.byGroup.get(root) ?? [])];
  while (todo.length) {
    const pid = todo.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    for (const c of snap.children.get(pid) ?? []) todo.push(c);
  }
  let ticks = 0;
  let pages = 0;
  for (const pid of seen) {
    const e = snap.byPid.get(pid);
    if (!e) continue;
    ticks += e.ticks;
    pages += e.rssPages;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, memoryBytes: pages * pageBytes(), source: 'proc' };
}

/** CPU and memory of a cgroup v2 directory (null when it is not one with both files). */
export function cgroupUsage(dir: string): ServerUsage | null {
  try {
    const stat = readFileSync(join(dir, 'cpu.stat'), 'utf8');
    const usec = /^usage_usec (\d+)$/m.exec(stat);
    const mem = Number(readFileSync(join(dir, 'memory.current'), 'utf8').trim());
    if (!usec || !Number.isFinite(mem)) return null;
    return { cpuSeconds: Number(usec[1]) / 1e6, memoryBytes: mem, source: 'cgroup' };
  } catch {
    return null;
  }
}

/** Usage of the local server whose leading process is `pid` (cgroup first, then /proc). */
export function localServerUsage(pid: number, cgroupDirs: readonly string[]): ServerUsage | null {
  for (const d of cgroupDirs) {
    const u = cgroupUsage(d);
    if (u) return u;
  }
  // A server started after the snapshot was taken is not in it yet: look again.
  return treeUsage(procSnapshot(), pid) ?? treeUsage(procSnapshot({ fresh: true }), pid);
}
