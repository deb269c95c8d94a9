/**
 * Small helpers the authenticators share: names made safe for logs, constant-time comparison.
 * (Options are parsed by each plugin's zod schema: defineAuthenticator, plugins/options.ts.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A username made safe for a log line: at most 16 characters plus the length, control
 * characters escaped (huge names in logs were an unauthenticated DoS, CVE-2026-54338).
 */
export function logName(name: string): string {
  const head = name.length > 16 ? name.slice(0, 16) : name;
  const safe = JSON.stringify(head).slice(1, -1);
  return name.length > 16 ? `${safe}… (${name.length} chars)` : safe;
}

/** Constant-time string equality (hashes first so lengths do not leak either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
