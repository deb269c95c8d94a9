/**
 * `labhub doctor`: the database and cookie secret files, files that hold credentials and are
 * readable by other accounts (every hub user has a shell under PAM), Node.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { credentialKeys } from '../config/credentials.js';
import type { Settings } from '../core/settings.js';
import { fileMode, isExposed, modeText, sqliteFiles } from '../security/private-files.js';
import { generatedTlsFiles } from '../security/tls.js';
import { parseDbUrl } from '../db/index.js';
import type { CheckResult } from './doctor-checks.js';

/** The SQLite file of `db_url`, or null (memory, PostgreSQL, or not a valid URL). */
function sqliteFile(dbUrl: string): string | null {
  try {
    const t = parseDbUrl(dbUrl);
    return t.kind === 'sqlite' && t.location !== ':memory:' ? t.location : null;
  } catch {
    return null;
  }
}

/** Database and cookie secret files, Node version. */
export function fileChecks(s: Settings): CheckResult[] {
  const out: CheckResult[] = [];
  const file = sqliteFile(s.dbUrl);
  if (file) {
    const dir = dirname(file);
    try {
      accessSync(existsSync(file) ? file : dir, constants.W_OK);
      out.push({
        name: 'database',
        status: 'ok',
        detail: `SQLite at ${file}${existsSync(file) ? '' : ' (created at first start)'}`,
      });
    } catch {
      out.push({
        name: 'database',
        status: 'error',
        detail: `SQLite at ${file}: ${existsSync(file) ? 'the file' : dir} is not writable`,
        fix: 'Start labhub in a directory it may write (e.g. /srv/labhub), or set JupyterHub.db_url to an absolute path.',
      });
    }
  }
  const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
  if (maj < 20 || (maj === 20 && min < 19))
    out.push({
      name: 'node',
      status: 'error',
      detail: `Node ${process.versions.node} is too old`,
      fix: 'Install Node 20.19 or newer (Debian: the NodeSource packages, or nvm).',
    });
  return out;
}

/** Backups `labhub upgrade-db` made beside the database (`<db>.<time>.bak`). */
function backups(dbFile: string): string[] {
  try {
    const prefix = `${basename(dbFile)}.`;
    return readdirSync(dirname(dbFile))
      .filter((n) => n.startsWith(prefix) && n.endsWith('.bak'))
      .map((n) => join(dirname(dbFile), n));
  } catch {
    return [];
  }
}

function exposed(name: string, file: string, what: string): CheckResult {
  return {
    name,
    status: 'error',
    detail: `${file} is readable by other accounts (mode ${modeText(fileMode(file) ?? 0)}): ${what}`,
    fix: `chmod 600 ${file}  (labhub also does this at its next start)`,
  };
}

/**
 * Files that hold a live credential and that group or others may read: the SQLite database with
 * its -wal, -shm, -journal and backups, the cookie secret, the TLS key; and a config file with
 * tokens or passwords in it that every account may read.
 */
export function secretFileChecks(s: Settings, loaded: LoadedConfig): CheckResult[] {
  const out: CheckResult[] = [];
  const db = sqliteFile(s.dbUrl);
  if (db)
    for (const f of [...sqliteFiles(db), ...backups(db)])
      if (isExposed(f))
        out.push(
          exposed(
            'database file',
            f,
            'whoever reads it gets the proxy API token (and can take over every route) and the password hashes of native accounts',
          ),
        );
  const secret = resolve(s.cookieSecretFile);
  if (!process.env.JPY_COOKIE_SECRET && isExposed(secret))
    out.push(exposed('cookie secret', secret, 'whoever reads it can forge any login'));
  const generate = s.generateSelfSignedCert;
  const key = generate ? generatedTlsFiles(s).keyFile : s.sslKey ? resolve(s.sslKey) : null;
  const keyMode = key ? fileMode(key) : null;
  if (key && keyMode !== null && (generate ? keyMode & 0o077 : keyMode & 0o007))
    out.push(exposed('TLS key', key, 'whoever reads it can impersonate this server'));
  else if (key && keyMode !== null && keyMode & 0o070)
    out.push({
      name: 'TLS key',
      status: 'warn',
      detail: `${key} (JupyterHub.ssl_key) is readable by its group (mode ${modeText(keyMode)}): every member can impersonate this server`,
      fix: `If that group is not meant to share the key: chmod 600 ${key}`,
    });
  const config = configFileCheck(loaded);
  if (config) out.push(config);
  return out;
}

/**
 * A config file that holds credentials (tokens, passwords) and that every account may read. The
 * file is the operator's, so it is reported (by doctor, and at start), never changed.
 */
export function configFileCheck(loaded: LoadedConfig): CheckResult | null {
  const source = loaded.source ? resolve(loaded.source) : null;
  const mode = source ? fileMode(source) : null;
  if (!source || mode === null || !(mode & 0o004)) return null;
  const creds = credentialKeys(loaded.config);
  if (!creds.length) return null;
  return {
    name: 'config file',
    status: 'warn',
    detail: `${source} holds credentials (${creds.join(', ')}) and every account on this machine can read it (mode ${modeText(mode)})`,
    fix: `chmod 600 ${source}  (or 640 with a group of trusted admins)`,
  };
}
