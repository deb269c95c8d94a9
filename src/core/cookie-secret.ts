import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { HubError } from '../errors.js';

/**
 * Load the cookie secret like JupyterHub: env JPY_COOKIE_SECRET (hex) wins; else the file,
 * created with mode 0600 (32 random bytes, hex) when missing. A file readable by group or others
 * is refused, with the chmod that fixes it.
 */
export function loadCookieSecret(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { secret: Buffer; created: boolean; source: string } {
  const fromEnv = env.JPY_COOKIE_SECRET;
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{32,}$/.test(fromEnv.trim())) {
      throw new HubError(
        'LABHUB_ERR_COOKIE_SECRET',
        500,
        'JPY_COOKIE_SECRET must be at least 32 hex characters (e.g. the output of `openssl rand -hex 32`).',
      );
    }
    return {
      secret: Buffer.from(fromEnv.trim(), 'hex'),
      created: false,
      source: 'JPY_COOKIE_SECRET',
    };
  }
  const path = resolve(file);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return { secret: readHex(path), created: true, source: path };
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new HubError(
      'LABHUB_ERR_COOKIE_SECRET',
      500,
      `The cookie secret file ${path} has permissions ${mode.toString(8).padStart(3, '0')}; it must not be readable by group or others. Run: chmod 600 ${path}`,
    );
  }
  return { secret: readHex(path), created: false, source: path };
}

function readHex(path: string): Buffer {
  const text = readFileSync(path, 'utf8').trim();
  if (/^[0-9a-fA-F]{32,}$/.test(text)) return Buffer.from(text, 'hex');
  // JupyterHub also accepts base64 secrets in this file.
  const b = Buffer.from(text, 'base64');
  if (b.length >= 16) return b;
  throw new HubError(
    'LABHUB_ERR_COOKIE_SECRET',
    500,
    `The cookie secret file ${path} does not hold a hex (or base64) secret of at least 16 bytes. Delete it to let labhub create a new one (this logs everyone out).`,
  );
}
