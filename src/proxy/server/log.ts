/**
 * The proxy's logger: one line per event, like configurable-http-proxy's
 * ("<ISO time> [LabhubProxy] <level>: <message>"). info/debug go to stdout, warn/error to stderr.
 * A closed stdout/stderr (the hub that started us exited) never crashes the proxy.
 */
import { format } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface ProxyLogger {
  readonly debugEnabled: boolean;
  debug(fmt: string, ...args: unknown[]): void;
  info(fmt: string, ...args: unknown[]): void;
  warn(fmt: string, ...args: unknown[]): void;
  error(fmt: string, ...args: unknown[]): void;
}

let streamsGuarded = false;
function guardStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  // EPIPE after the parent went away must not kill the data plane.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
}

/** Parse a CHP-style level name (case-insensitive); throws on anything else. */
export function parseLogLevel(s: string): LogLevel {
  const l = s.toLowerCase();
  if (l === 'warning') return 'warn';
  if (l in ORDER) return l as LogLevel;
  throw new Error(`--log-level: expected one of debug, info, warn, error; got '${s}'`);
}

export function createProxyLogger(level: LogLevel = 'info', label = 'LabhubProxy'): ProxyLogger {
  guardStreams();
  const min = ORDER[level];
  const emit = (lvl: LogLevel, fmt: string, args: unknown[]) => {
    if (ORDER[lvl] < min) return;
    const line = `${new Date().toISOString()} [${label}] ${lvl}: ${format(fmt, ...args)}\n`;
    const out = ORDER[lvl] >= ORDER.warn ? process.stderr : process.stdout;
    if (out.writable) out.write(line);
  };
  return {
    debugEnabled: min <= ORDER.debug,
    debug: (f, ...a) => emit('debug', f, a),
    info: (f, ...a) => emit('info', f, a),
    warn: (f, ...a) => emit('warn', f, a),
    error: (f, ...a) => emit('error', f, a),
  };
}
