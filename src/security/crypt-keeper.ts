/**
 * auth_state encrypted at rest, as JupyterHub's CryptKeeper: JUPYTERHUB_CRYPT_KEY holds one or
 * more 32-byte keys (hex or base64) separated by `;`. New values are encrypted with the first key
 * (AES-256-GCM, random 96-bit IV); any of the keys decrypts, so a key is rotated by putting the
 * new one first and dropping the old one once every user has logged in again.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';

const PREFIX = 'labhub:aes-256-gcm:';

/** Parse JUPYTERHUB_CRYPT_KEY. Throws HubError LABHUB_ERR_CRYPT_KEY naming the bad part. */
export function parseCryptKeys(value: string | undefined): Buffer[] {
  const parts = (value ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length)
    throw new HubError(
      'LABHUB_ERR_CRYPT_KEY',
      500,
      'enable_auth_state is set, but JUPYTERHUB_CRYPT_KEY is not: auth_state is kept encrypted, so the hub needs a key. Create one with `openssl rand -hex 32` and put it in the environment of labhub (JUPYTERHUB_CRYPT_KEY=<key>), or set enable_auth_state = False.',
    );
  return parts.map((p, i) => {
    const key = /^[0-9a-fA-F]{64}$/.test(p) ? Buffer.from(p, 'hex') : Buffer.from(p, 'base64');
    if (key.length !== 32)
      throw new HubError(
        'LABHUB_ERR_CRYPT_KEY',
        500,
        `JUPYTERHUB_CRYPT_KEY: key ${i + 1} of ${parts.length} is not 32 bytes in hex (64 characters) or base64 (it decodes to ${key.length} bytes). Create one with \`openssl rand -hex 32\`; separate several keys with ';'.`,
      );
    return key;
  });
}

/** Encrypts with the first key, decrypts with any. */
export class CryptKeeper {
  constructor(private readonly keys: readonly Buffer[]) {
    if (!keys.length) throw new Error('CryptKeeper needs at least one key');
  }

  encode(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
  }

  /** The plain text, or null when no key opens it. A value without the prefix is plain JSON. */
  decode(stored: string): string | null {
    if (!stored.startsWith(PREFIX)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    if (raw.length < 28) return null;
    for (const key of this.keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
      } catch {
        /* not this key */
      }
    }
    return null;
  }
}

/**
 * The auth_state codec of a hub: encrypting whenever JUPYTERHUB_CRYPT_KEY is set (as JupyterHub);
 * null without a key. Throws LABHUB_ERR_CRYPT_KEY when auth_state is enabled and there is no
 * key, or a key is malformed.
 */
export function authStateKeeper(enabled: boolean, env: string | undefined): CryptKeeper | null {
  if (!enabled && !env?.trim()) return null;
  return new CryptKeeper(parseCryptKeys(env));
}
