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
