/**
 * A user server's output goes to a file (one per server, mode 0600, emptied at each start)
 * instead of a pipe to the hub: a pipe breaks when the hub stops, a file does not. The hub
 * follows the file — from the start of a spawn, and from its end after a restart reattached the
 * server — so the server's output keeps appearing in the hub log across hub restarts.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** `/var/log/labhub/servers` when root, else `$XDG_STATE_HOME/labhub/servers` (~/.local/state/…). */
export function defaultServerLogDir(): string {
  if (process.getuid?.() === 0) return '/var/log/labhub/servers';
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'labhub', 'servers');
}

/** The file of one server: distinct for every (user, server name) pair. */
export function serverLogPath(dir: string, user: string, server: string): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[-.]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return join(dir, `${enc(user)}${server ? `--${enc(server)}` : ''}.log`);
}

/**
 * Creates (or empties) the log file of a server and returns a descriptor to hand to the child
 * as its stdout and stderr; close it in the hub once the child has it.
 */
export function openServerLog(
  dir: string,
  user: string,
  server: string,
): { fd: number; path: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = serverLogPath(dir, user, server);
  return { fd: openSync(path, 'w', 0o600), path };
}

/** Reads a growing file from an offset and hands new text to `onText`; see {@link followLog}. */
export interface LogFollower {
  /** Reads what was written since the last read, at once. */
  poll(): void;
  /** Reads the rest, then stops following. Idempotent. */
  stop(): void;
}

/**
 * Follows `path` from its start (`from` 0) or its current end (`'end'`), checking every
 * `everyMs` (the timer does not keep the hub alive). A missing file is followed once it exists.
 */
export function followLog(
  path: string,
  from: number | 'end',
  onText: (text: string) => void,
  everyMs = 500,
): LogFollower {
  let fd: number | null = null;
  let offset = typeof from === 'number' ? from : -1;
  const buf = Buffer.alloc(64 * 1024);
  const text = new StringDecoder('utf8'); // a character split across two reads stays whole
  const poll = () => {
    try {
      fd ??= openSync(path, 'r');
    } catch {
      return;
    }
    const size = fstatSync(fd).size;
    if (offset < 0) offset = size;
    if (size < offset) offset = 0; // emptied by a new start
    while (offset < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - offset), offset);
      if (n <= 0) break;
      offset += n;
      onText(text.write(buf.subarray(0, n)));
    }
  };
  poll();
  const timer = setInterval(poll, everyMs);
  timer.unref();
  let stopped = false;
  return {
    poll,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      poll();
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
