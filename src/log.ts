import { pino, type Logger } from 'pino';

export type { Logger };

/** The hub's logger: JSON lines by default, or terse text when LABHUB_LOG_FORMAT=text. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  const level = opts.level ?? process.env.LABHUB_LOG_LEVEL ?? 'info';
  return pino({ level, name: opts.name ?? 'labhub', base: undefined });
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
