import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636: does `verifier` match the stored challenge? (S256 or plain) */
export function pkceMatches(verifier: string, challenge: string, method: string | null): boolean {
  const computed =
    (method ?? 'plain') === 'S256'
      ? createHash('sha256').update(verifier, 'ascii').digest('base64url')
      : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
export function validVerifier(v: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(v);
}
