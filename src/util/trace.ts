/** TEMPORARY diagnostic trace (ha4): LABHUB_TRACE_FILE=<path> appends one JSON line per event. */
import { appendFileSync } from 'node:fs';

const file = process.env.LABHUB_TRACE_FILE;

export function trace(ev: string, o: Record<string, unknown>): void {
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), hub: process.pid, ev, ...o })}\n`);
  } catch {
    /* diagnostic only */
  }
}
