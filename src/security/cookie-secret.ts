import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { HubError } from '../errors.js';
import {
  tightenFile,
  tightenedMessage,
  writePrivateFile,
  type Tightened,
} from './private-files.js';

/** Result of {@link loadCookieSecret}. */
export interface CookieSecret {
  secret: Buffer;
  /** The file was written now. */
  created: boolean;
  /** The file path, or `JPY_COOKIE_SECRET`. */
  source: string;
  /** The file was readable by group or others and was made 0600 now: warn with `warning`. */
  tightened?: Tightened;
  warning?: string;
}

/**
 * Load the cookie secret like JupyterHub: env JPY_COOKIE_SECRET (hex) wins; else the file,
 * created with mode 0600 whatever the umask (32 random bytes, hex) when missing. A file readable
 * by group or others is made 0600, and the result carries the warning to log (file, old mode,
 * new mode, and how to replace a secret that may have been read).
 */
export function loadCookieSecret(file: string, env: NodeJS.ProcessEnv = process.env): CookieSecret {
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
    writePrivateFile(path, randomBytes(32).toString('hex') + '\n', { exclusive: true });
    return { secret: readHex(path), created: true, source: path };
  }
  let tightened: Tightened | null;
  try {
    tightened = tightenFile(path);
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_COOKIE_SECRET',
      500,
      `The cookie secret file ${path} is readable by group or others, and labhub could not make it private (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Run: chmod 600 ${path}`,
    );
  }
  const secret = readHex(path);
  if (!tightened) return { secret, created: false, source: path };
  return {
    secret,
    created: false,
    source: path,
    tightened,
    warning: tightenedMessage(
      'The cookie secret file',
      tightened,
      `Anyone who read it can forge login cookies: to replace it, stop labhub, delete ${path} and start again (everyone logs in again).`,
    ),
  };
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
