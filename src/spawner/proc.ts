/**
 * Small process helpers for local spawners: /proc inspection, free ports, PATH lookup,
 * TCP readiness and a ring buffer of output lines. Linux only where /proc is read.
 */
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

/** Fields of /proc/<pid>/stat we need; null when the process does not exist. */
export function readProcStat(pid: number): { state: string; starttime: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); starttime is field 22 → rest[19].
    return { state: rest[0], starttime: Number(rest[19]) };
  } catch {
    return null;
  }
}

/** The process group id of `pid` (field 5 of /proc/<pid>/stat), or null. */
export function processGroupOf(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(rest[2]);
    return Number.isInteger(pgrp) ? pgrp : null;
  } catch {
    return null;
  }
}

/**
 * Whether it is safe to signal `pid`: never 0/1/negative (kill(-1) reaches every process),
 * never the hub itself.
 */
export function signallablePid(pid: number | null): pid is number {
  return (
    pid !== null && Number.isInteger(pid) && pid > 1 && pid !== process.pid && pid !== process.ppid
  );
}

/**
 * True when `pid` is a live (non-zombie) process whose start time equals `starttime`
 * (pass null to skip that check). Guards against a recycled pid being mistaken for our server.
 */
export function isOurProcessAlive(pid: number, starttime: number | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: exists but belongs to someone else (can only happen when the hub is not root).
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = readProcStat(pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false;
  return starttime == null || st.starttime === starttime;
}

/** Whether `ip` means "all interfaces". */
export function isWildcardIp(ip: string): boolean {
  return ip === '' || ip === '*' || ip === '0.0.0.0' || ip === '::' || ip === '[::]';
}

/** Address to connect to for a server bound on `ip` (loopback for wildcards). */
export function connectHost(ip: string): string {
  if (isWildcardIp(ip)) return ip === '::' || ip === '[::]' ? '::1' : '127.0.0.1';
  return ip.replace(/^\[|\]$/g, '');
}

/** Binds port 0 on `ip`, reads the port the OS chose, closes and returns it. */
export function findFreePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    const host = ip === '' || ip === '*' ? undefined : ip.replace(/^\[|\]$/g, '');
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() =>
        port ? resolve(port) : reject(new Error(`could not read the port bound on ${ip || '*'}`)),
      );
    });
  });
}

/** One TCP connection attempt; true when something (other than the attempt itself) accepts on host:port. */
export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    // A connection to itself (the kernel chose `port` as its local port: possible for a port of
    // the ephemeral range) is not a server listening there.
    sock.once('connect', () =>
      done(!(sock.localPort === sock.remotePort && sock.localAddress === sock.remoteAddress)),
    );
    sock.once('error', () => done(false));
  });
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a command like `execvp` would with the given PATH: absolute/relative paths
 * containing `/` are checked as is; bare names are searched in PATH. Null when not found.
 */
export function findOnPath(
  cmd: string,
  pathEnv: string | undefined,
  cwd = process.cwd(),
): string | null {
  if (!cmd) return null;
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : join(cwd, cmd);
    return isExecutableFile(p) ? p : null;
  }
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (isExecutableFile(p)) return p;
  }
  return null;
}

/** Keeps the last `max` lines written to it (stdout and stderr of a server). */
export class LineRing {
  private lines: string[] = [];
  private partial = new Map<string, string>();
  constructor(private readonly max = 200) {}

  /** Appends a chunk from `stream`; returns the complete lines it contained. */
  push(stream: string, chunk: string): string[] {
    const text = (this.partial.get(stream) ?? '') + chunk;
    const parts = text.split(/\r?\n/);
    this.partial.set(stream, parts.pop() ?? '');
    for (const line of parts) this.add(line);
    return parts;
  }

  /** Flushes unterminated lines (at process exit). */
  flush(): string[] {
    const out: string[] = [];
    for (const [k, v] of this.partial)
      if (v) {
        this.add(v);
        out.push(v);
        this.partial.set(k, '');
      }
    return out;
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  /** The last `n` lines joined with newlines. */
  tail(n = this.max): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** Signal number for a Node signal name (for 128+N exit statuses). */
export function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? ((osConstants.signals as Record<string, number>)[sig] ?? 0) : 0;
}

/** The environment variable that marks a launched server with its launch id (local-process-state.ts). */
export const LAUNCH_ENV = 'LABHUB_LAUNCH_ID';

/**
 * The process launched with `LABHUB_LAUNCH_ID=<id>` in its environment: the earliest started of
 * those carrying it (a wrapper such as sudo or sh before its exec carries it as well), or null.
 * Reads /proc/<pid>/environ, so it sees the hub's own processes (all of them when root).
 */
export function findLaunched(id: string): number | null {
  const needle = `\0${LAUNCH_ENV}=${id}\0`;
  let best: { pid: number; starttime: number } | null = null;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let env: string;
    try {
      env = `\0${readFileSync(`/proc/${e}/environ`, 'latin1')}`;
    } catch {
      continue; // gone, or not ours to read
    }
    if (!env.includes(needle)) continue;
    const st = readProcStat(Number(e));
    if (st && st.state !== 'Z' && (!best || st.starttime < best.starttime))
      best = { pid: Number(e), starttime: st.starttime };
  }
  return best?.pid ?? null;
}
