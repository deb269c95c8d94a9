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

/** The hub's logger: text lines by default, JSON lines with LABHUB_LOG_FORMAT=json. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  const level = (opts.level ?? process.env.LABHUB_LOG_LEVEL ?? 'info').toLowerCase();
  const base = { level, name: opts.name ?? 'labhub', base: undefined };
  if (process.env.LABHUB_LOG_FORMAT === 'json') return pino(base);
  return pino(base, {
    write: (chunk: string) => process.stdout.write(formatLine(chunk.trimEnd())),
  });
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
