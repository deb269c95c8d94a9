/**
 * Password hashing for the native authenticator: scrypt (node:crypto), a random 16-byte salt per
 * hash, parameters stored with the hash, constant-time verification.
 *
 * Format: `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<key base64url>`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
  keyLength: number;
}

/** ~50–100 ms on one core; 32 MiB of memory per hash. */
export const DEFAULT_SCRYPT: ScryptParams = { log2N: 15, r: 8, p: 1, keyLength: 32 };

// Each hash takes a thread-pool thread and 32 MiB; cap how many run at once.
const MAX_PARALLEL = 2;
let active = 0;
const waiting: Array<() => void> = [];

function scrypt(password: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const opts: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    maxmem: 256 * N * params.r + (1 << 20),
  };
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, params.keyLength, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

function pw(password: string): Buffer {
  // NFC so the same password typed on different systems gives the same bytes.
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

/** Hash a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await limited(() => scrypt(pw(password), salt, params));
  return [
    'scrypt',
    params.log2N,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Parse a stored hash; null if it is not one of ours or its parameters are out of safe bounds. */
export function parseHash(
  stored: string,
): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [log2N, r, p] = parts.slice(1, 4).map((x) => Number(x)) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  const ok =
    Number.isInteger(log2N) &&
    log2N >= 10 &&
    log2N <= 20 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16 &&
    salt.length >= 8 &&
    key.length >= 16 &&
    key.length <= 64;
  return ok ? { params: { log2N, r, p, keyLength: key.length }, salt, key } : null;
}

/**
 * Verify a password against a stored hash in constant time. A malformed hash, or a password with
 * a NUL character, never verifies.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  // scrypt's HMAC pads short keys with zero bytes, so "pw\0" would verify as "pw": a password
  // with a NUL never verifies (and none can be set, see native-passwords.ts).
  if (password.includes('\0')) return false;
  const key = await limited(() => scrypt(pw(password), h.salt, h.params));
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** true when a hash uses weaker parameters than the current defaults (re-hash on next login). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const h = parseHash(stored);
  return (
    !h ||
    h.params.log2N < params.log2N ||
    h.params.r < params.r ||
    h.params.keyLength < params.keyLength
  );
}
