/** Timestamps are stored as fixed-width ISO strings so that text order = time order. */
export function isoNow(): string {
  return new Date().toISOString();
}
export function toIso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
export function fromIso(s: string | null | undefined): Date | null {
  return s ? new Date(s) : null;
}
