/**
 * Which local process listens on a TCP port (Linux /proc): the listening sockets of
 * /proc/net/tcp{,6} matched against the socket inodes in /proc/<pid>/fd. Needs the right to read
 * the other process's fd table (same user, or root); otherwise the owner is unknown (null).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';

/** Inodes of the sockets listening on `port` (any address). */
function listeningInodes(port: number): Set<string> {
  const out = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const local = f[1]!;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) out.add(f[9]!);
    }
  }
  return out;
}

/** A process listening on `port` with its command line, or null (none, or not visible to us). */
export function portOwner(port: number): { pid: number; cmdline: string } | null {
  const inodes = listeningInodes(port);
  if (!inodes.size) return null;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
        } catch {
          /* exited meanwhile */
        }
        return { pid: Number(name), cmdline };
      }
    }
  }
  return null;
}

/** The parent pid of `pid` (Linux /proc), or null when it cannot be read. */
function parentPid(pid: number): number | null {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
  } catch {
    return null;
  }
}

/**
 * True when `pid` is `ancestor` or one of its descendants: labhub-proxy's data plane (HAProxy
 * under its supervisor) holds the public port in a child process of labhub-proxy's.
 */
export function isProcessOf(pid: number, ancestor: number): boolean {
  for (let p: number | null = pid, n = 0; p !== null && n < 64; p = parentPid(p), n++)
    if (p === ancestor) return true;
  return false;
}

/** True when something accepts TCP connections at host:port. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
