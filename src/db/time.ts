/** Timestamps are stored as fixed-width ISO strings so that text order = time order. */
export function isoNow(): string {
  return new Date().toISOString();
}
export function fromIso(s: string | null | undefined): Date | null {
  return s ? new Date(s) : null;
}

/** The last instant a stored timestamp may hold: ISO strings keep four-digit years. */
export const LATEST_ISO = '9999-12-31T23:59:59.999Z';

/**
 * The ISO time `seconds` from `now`. Requests are bounded before they get here
 * (core/bounded-input.ts); a longer lifetime from the configuration ends at {@link LATEST_ISO}
 * instead of throwing `RangeError: Invalid time value`.
 */
export function isoAfterSeconds(seconds: number, now = Date.now()): string {
  const t = now + seconds * 1000;
  return Number.isFinite(t) && t < Date.parse(LATEST_ISO) ? new Date(t).toISOString() : LATEST_ISO;
}
