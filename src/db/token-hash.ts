import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token: 32 lowercase hex characters (same shape as JupyterHub's). */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Hash a token for storage. Tokens the hub generates have 128 bits of entropy, so one SHA-256 is
 * enough; tokens a person supplied (service api_token in config) may be weak and get PBKDF2.
 */
export function hashToken(token: string, supplied: boolean): string {
  if (!supplied) return 'sha256:' + createHash('sha256').update(token).digest('hex');
  const salt = randomBytes(8).toString('hex');
  const iterations = 16384;
  return `pbkdf2:${iterations}:${salt}:` + pbkdf2Sync(token, salt, iterations, 32, 'sha512').toString('hex');
}

/** Constant-time check of a token against a stored hash. */
export function verifyToken(token: string, stored: string): boolean {
  let expected: Buffer;
  let actual: Buffer;
  if (stored.startsWith('sha256:')) {
    expected = Buffer.from(stored.slice(7), 'hex');
    actual = createHash('sha256').update(token).digest();
  } else if (stored.startsWith('pbkdf2:')) {
    const [, iter, salt, hex] = stored.split(':');
    expected = Buffer.from(hex, 'hex');
    actual = pbkdf2Sync(token, salt, Number(iter), expected.length, 'sha512');
  } else return false;
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export const TOKEN_PREFIX_LENGTH = 4;
