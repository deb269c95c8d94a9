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
  return (
    `pbkdf2:${iterations}:${salt}:` +
    pbkdf2Sync(token, salt, iterations, 32, 'sha512').toString('hex')
  );
}

/**
 * Successful PBKDF2 checks, keyed by (stored hash, SHA-256 of the token): a service presenting
 * its configured api_token on every request would otherwise pay 16,384 PBKDF2 rounds (~10-20 ms
 * of CPU, blocking the event loop) per request. Only successes are kept, the key changes with
 * the stored hash (a replaced token never matches), and a deleted token is never looked up.
 */
const PBKDF2_OK = new Map<string, true>();
const PBKDF2_CACHE_MAX = 1024;

/** Constant-time check of a token against a stored hash. */
export function verifyToken(token: string, stored: string): boolean {
  if (stored.startsWith('pbkdf2:')) {
    const key = `${stored}\0${createHash('sha256').update(token).digest('hex')}`;
    if (PBKDF2_OK.has(key)) return true;
    const ok = verifyTokenUncached(token, stored);
    if (ok) {
      if (PBKDF2_OK.size >= PBKDF2_CACHE_MAX)
        PBKDF2_OK.delete(PBKDF2_OK.keys().next().value as string);
      PBKDF2_OK.set(key, true);
    }
    return ok;
  }
  return verifyTokenUncached(token, stored);
}

function verifyTokenUncached(token: string, stored: string): boolean {
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
