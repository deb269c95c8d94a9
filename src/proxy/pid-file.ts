/**
 * The proxy pid file (ConfigurableHTTPProxy.pid_file): written by the hub when it starts a
 * proxy, read to recognise that proxy later — by a restarted hub that adopts it (and may stop it
 * with JupyterHub.cleanup_proxy) and by `labhub stop --all`. A pid is only trusted when the
 * process is alive and its command line is a proxy's, so a recycled pid is never signalled.
 */
import fs from 'node:fs';
import { basename } from 'node:path';

/** The pid written in `file`, or null (missing, unreadable or not a positive integer). */
export function readPidFile(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** True when `pid` exists (EPERM counts: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of `pid` (arguments joined by spaces), or null when it cannot be read. */
function cmdlineOf(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

/**
 * True when `pid` is alive and runs a proxy: labhub-proxy, configurable-http-proxy, or the
 * configured proxy command (its program or script name appears in the command line).
 */
export function looksLikeProxy(pid: number, command?: readonly string[]): boolean {
  if (!pidAlive(pid)) return false;
  const line = cmdlineOf(pid);
  if (line === null) return false;
  const names = ['labhub-proxy', 'configurable-http-proxy'];
  for (const part of command ?? []) if (part && !part.startsWith('-')) names.push(basename(part));
  return names.some((n) => line.includes(n));
}

/**
 * The pid of the proxy a labhub hub started, as recorded in `file`, when that process is still
 * running and is a proxy; otherwise null.
 */
export function managedProxyPid(file: string, command?: readonly string[]): number | null {
  const pid = readPidFile(file);
  return pid !== null && pid !== process.pid && looksLikeProxy(pid, command) ? pid : null;
}

/** Removes `file` when it still names `pid` (another proxy may have written its own since). */
export function removePidFile(file: string, pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(pid)) fs.rmSync(file, { force: true });
  } catch {
    /* gone already */
  }
}

/** Removes a pid file whose process is gone, and says so through `log`. */
export function cleanStalePidFile(file: string, log: { warn(msg: string): void }): void {
  if (!fs.existsSync(file)) return;
  const pid = readPidFile(file);
  if (pid !== null && pidAlive(pid)) return;
  fs.rmSync(file, { force: true });
  log.warn(`proxy: removed stale pid file ${file} (pid ${pid ?? 'unreadable'} is not running)`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to `pid`, then SIGKILL after `graceMs` if it is still there. Resolves true once the
 * process is gone (false if it survived SIGKILL for another `graceMs`).
 */
export async function terminatePid(pid: number, graceMs = 5000): Promise<boolean> {
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!pidAlive(pid) || isZombie(pid)) return true;
      await sleep(50);
    }
    return !pidAlive(pid) || isZombie(pid);
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return !pidAlive(pid);
  }
  if (await gone(graceMs)) return true;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  return gone(graceMs);
}

/** A zombie has exited; only its parent's wait() is missing (e.g. a child of this process). */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}
