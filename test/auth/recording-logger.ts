/** A logger that records messages (auth unit tests only). */
import type { Logger } from '../../src/log.js';

export function recordingLogger(): { log: Logger; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      const msg = args.find((a) => typeof a === 'string') as string | undefined;
      lines.push({ level, msg: msg ?? JSON.stringify(args) });
    };
  const log = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
  return { log: log as unknown as Logger, lines };
}
