/**
 * Ports for local user servers (`Spawner.port = 0`). JupyterHub's random_port() binds port 0,
 * reads the port and closes it: the kernel answers with a port of its ephemeral range
 * (net.ipv4.ip_local_port_range), the range it also takes the local port of every outgoing
 * connection from. Between that choice and the server's own listen (seconds for a Python server),
 * any outgoing connection on the machine — the proxy's to other servers, the hub's to its
 * database — may take the port (the server then dies with EADDRINUSE), and the hub's own check
 * that the server listens may even connect to itself on it (a TCP self-connect looks like a
 * listening server). labhub picks a random free port *outside* the ephemeral range, which the
 * kernel never hands out by itself, and keeps it reserved in this hub until the server listens or
 * the start fails, so two spawns of one hub never get the same port either. Only another program
 * binding that exact port explicitly can still take it; the local spawner then starts the server
 * once more on another port (local-spawner.ts).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/** Ports handed to servers of this hub that are not known to be listening yet. */
const reserved = new Set<number>();

/** Below this, ports are left to services configured by hand (5432, 8000, 8080, 8888…). */
const LOWEST = 10_000;

/** The kernel's ephemeral port range (Linux), or null where it cannot be read. */
export function ephemeralRange(
  text = readOrNull('/proc/sys/net/ipv4/ip_local_port_range'),
): [number, number] | null {
  const m = text ? /^\s*(\d+)\s+(\d+)\s*$/.exec(text) : null;
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The ranges to pick from: LOWEST..65535 without the ephemeral range; empty when the ephemeral
 * range leaves fewer than 1000 ports (then the kernel's choice is all there is).
 */
export function serverPortRanges(eph: [number, number] | null): Array<[number, number]> {
  if (!eph) return [];
  const [lo, hi] = eph;
  const ranges: Array<[number, number]> = [];
  if (lo - 1 >= LOWEST) ranges.push([LOWEST, lo - 1]);
  if (hi + 1 <= 65535) ranges.push([Math.max(hi + 1, LOWEST), 65535]);
  const size = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  return size >= 1000 ? ranges : [];
}

function randomIn(ranges: Array<[number, number]>): number {
  const size = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  let i = randomInt(size);
  for (const [a, b] of ranges) {
    if (i <= b - a) return a + i;
    i -= b - a + 1;
  }
  return ranges[0]![0];
}

/** Binds `port` (0: the kernel's choice) on `ip` exclusively and closes; the port, or null when taken. */
function tryBind(ip: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    const host = ip === '' || ip === '*' ? undefined : ip.replace(/^\[|\]$/g, '');
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(got || null));
    });
  });
}

/** A port reserved for one server start: `release()` once it listens or the start has failed. */
export interface ServerPort {
  port: number;
  release(): void;
}

/**
 * A free port on `ip` for a user's server: random, outside the ephemeral range, not reserved by
 * another start of this hub (see the file comment); the kernel's choice where no such range
 * exists. Throws when no port can be bound.
 */
export async function pickServerPort(
  ip: string,
  ranges = serverPortRanges(ephemeralRange()),
): Promise<ServerPort> {
  for (let i = 0; ranges.length && i < 50; i++) {
    const port = randomIn(ranges);
    if (reserved.has(port)) continue;
    reserved.add(port);
    if ((await tryBind(ip, port)) === port) return { port, release: () => reserved.delete(port) };
    reserved.delete(port);
  }
  for (let i = 0; i < 10; i++) {
    const port = await tryBind(ip, 0);
    if (port !== null && !reserved.has(port)) {
      reserved.add(port);
      return { port, release: () => reserved.delete(port) };
    }
  }
  throw new Error(`could not find a free port on ${ip || '*'}`);
}

/** Inodes of the sockets listening on TCP `port` (any address), from /proc/net/tcp{,6}; null without /proc. */
function listeningInodes(port: number): Set<string> | null {
  const out = new Set<string>();
  let readable = false;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = readOrNull(f);
    if (text === null) continue;
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      // c[1] local address:port (hex), c[3] state (0A: LISTEN), c[9] inode
      if (c.length > 9 && c[3] === '0A' && parseInt(c[1]!.split(':')[1] ?? '', 16) === port)
        out.add(c[9]!);
    }
  }
  return readable ? out : null;
}

/**
 * Who listens on `port`: a process of process group `pgid` (the server's own group: 'ours'),
 * another program ('foreign': it took the port first, the server cannot bind it), or 'unknown'
 * (no /proc, or the listener's process cannot be seen). The server's group leader and its
 * descendants are looked at first, so a server that listens itself costs a few directory reads,
 * not a walk over every process of the machine (a hub with 1,000 servers runs on it).
 */
export function listenerOf(port: number, pgid: number): 'ours' | 'foreign' | 'unknown' {
  const inodes = listeningInodes(port);
  if (inodes === null || inodes.size === 0) return 'unknown';
  for (const pid of descendants(pgid)) {
    if (holdsSocket(pid, inodes) && groupOf(pid) === pgid) return 'ours';
  }
  let foreign = false;
  for (const e of readdirOrEmpty('/proc')) {
    if (!/^\d+$/.test(e) || !holdsSocket(e, inodes)) continue;
    if (groupOf(e) === pgid) return 'ours';
    foreign = true;
  }
  return foreign ? 'foreign' : 'unknown';
}

/** `pid` and its descendants (from /proc/<pid>/task/<tid>/children), at most 64 processes. */
function descendants(pid: number): string[] {
  const out: string[] = [];
  const queue = [String(pid)];
  while (queue.length && out.length < 64) {
    const p = queue.shift()!;
    out.push(p);
    for (const tid of readdirOrEmpty(`/proc/${p}/task`)) {
      const kids = readOrNull(`/proc/${p}/task/${tid}/children`);
      if (kids) queue.push(...kids.split(' ').filter(Boolean));
    }
  }
  return out;
}

/** Whether process `pid` has one of the socket `inodes` open. */
function holdsSocket(pid: string, inodes: Set<string>): boolean {
  for (const fd of readdirOrEmpty(`/proc/${pid}/fd`)) {
    let link = '';
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && inodes.has(m[1]!)) return true;
  }
  return false;
}

/** The process group of `pid`, or null when it has gone. */
function groupOf(pid: string | number): number | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  return stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) : null;
}

function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
