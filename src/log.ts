import { fstatSync } from 'node:fs';
import { pino, type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'T', 20: 'D', 30: 'I', 40: 'W', 50: 'E', 60: 'C' };
const SKIP = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

/**
 * Text lines like JupyterHub's (`[I 2026-11-26 04:15:36.295 labhub] message key=value`), so the
 * log reads well on a terminal and in journald. LABHUB_LOG_FORMAT=json keeps pino's JSON lines.
 */
export function formatLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch {
    return line;
  }
  const t = new Date(Number(o.time) || Date.now()).toISOString().replace('T', ' ').replace('Z', '');
  const extras = Object.entries(o)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object')
        return `error=${JSON.stringify((v as { message?: string }).message ?? v)}`;
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    });
  return `[${LEVELS[Number(o.level)] ?? '?'} ${t} ${o.name ?? 'labhub'}] ${o.msg ?? ''}${extras.length ? ` (${extras.join(' ')})` : ''}\n`;
}

/** syslog priorities of pino's levels (sd-daemon(3) prefixes). */
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/**
 * The same line for the systemd journal: a `<priority>` prefix instead of the level letter, and no
 * timestamp (the journal keeps its own), so `journalctl -p warning` and the colours work.
 */
export function formatJournalLine(line: string): string {
  const text = formatLine(line);
  let level = 30;
  try {
    level = Number((JSON.parse(line) as { level?: unknown }).level) || 30;
  } catch {
    return `<6>${text.endsWith('\n') ? text : `${text}\n`}`;
  }
  return `<${PRIORITY[level] ?? 6}>${text.replace(/^\[\S+ \S+ \S+ ([^\]]+)\] /, (_m, name: string) => (name === 'labhub' ? '' : `${name}: `))}`;
}

/**
 * True when stdout is the journal (systemd sets JOURNAL_STREAM to the device:inode of the stream
 * it connected; a redirected stdout, e.g. `labhub > file` inside a unit, does not match).
 */
export function stdoutIsJournal(env = process.env): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(1);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}

/**
 * The hub's logger: text lines by default, JSON lines with LABHUB_LOG_FORMAT=json; under systemd
 * (stdout connected to the journal) lines with syslog priority prefixes.
 */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  const level = (opts.level ?? process.env.LABHUB_LOG_LEVEL ?? 'info').toLowerCase();
  const base = { level, name: opts.name ?? 'labhub', base: undefined };
  if (process.env.LABHUB_LOG_FORMAT === 'json') return pino(base);
  const format = stdoutIsJournal() ? formatJournalLine : formatLine;
  return pino(base, {
    write: (chunk: string) => process.stdout.write(format(chunk.trimEnd())),
  });
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
