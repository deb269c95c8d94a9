/** `labhub doctor`: the database and cookie secret files, Node. */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Settings } from '../core/settings.js';
import type { CheckResult } from './doctor-checks.js';

/** Database and cookie secret files, Node version. */
export function fileChecks(s: Settings): CheckResult[] {
  const out: CheckResult[] = [];
  const m = /^sqlite:\/\/\/(.+)$/.exec(s.dbUrl);
  if (m && m[1] !== ':memory:') {
    const file = resolve(m[1]!);
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
  const secret = resolve(s.cookieSecretFile);
  if (existsSync(secret) && !process.env.JPY_COOKIE_SECRET) {
    const mode = statSync(secret).mode & 0o777;
    if (mode & 0o077)
      out.push({
        name: 'cookie secret',
        status: 'warn',
        detail: `${secret} is readable by other accounts (mode ${mode.toString(8)}): anyone who reads it can forge logins`,
        fix: `chmod 600 ${secret}`,
      });
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
