/**
 * Whole-database copies for `labhub backup` / `labhub restore`: SQLite through its online backup
 * API (better-sqlite3's `.backup()`: a consistent copy while the hub keeps writing), PostgreSQL
 * through `pg_dump --format=custom` and `pg_restore` (Debian's postgresql-client). The password
 * of a PostgreSQL URL goes to the tools in PGPASSWORD, never on their command line (visible in ps).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { HubError } from '../errors.js';
import { createPrivateFile } from '../security/private-files.js';
import type { DbTarget } from './connection.js';

function pgArgs(url: string): { uri: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const env = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  return { uri: u.toString(), env };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (r.error)
    throw new HubError(
      'LABHUB_ERR_DB',
      500,
      `${what}: cannot run ${cmd} (${r.error.message}). Install PostgreSQL's client tools (Debian: apt-get install postgresql-client) in the version of the server or newer.`,
    );
  if (r.status !== 0)
    throw new HubError(
      'LABHUB_ERR_DB',
      500,
      `${what}: ${cmd} failed: ${(r.stderr || r.stdout).trim()}`,
    );
  return r.stdout;
}

/** Copy the whole database into `dest` (a new 0600 file). */
export async function dumpDatabase(target: DbTarget, dest: string): Promise<void> {
  if (target.kind === 'sqlite') {
    if (target.location === ':memory:' || !existsSync(target.location))
      throw new HubError(
        'LABHUB_ERR_DB',
        500,
        `There is no SQLite database at ${target.location} to back up (JupyterHub.db_url); run the backup where the hub runs, with its config.`,
      );
    const { default: SQLite } = await import('better-sqlite3');
    const db = new SQLite(target.location, { readonly: true, fileMustExist: true });
    try {
      createPrivateFile(dest);
      await db.backup(dest);
    } finally {
      db.close();
    }
    // The running hubs are not part of the data: a restored copy starts with none (else a hub
    // restored on the same machine would take the backed-up one's row for a live hub).
    const copy = new SQLite(dest);
    try {
      const has = copy
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hub_replicas'")
        .get();
      if (has) copy.exec("DELETE FROM hub_replicas; UPDATE hub_leader SET replica_id = ''");
    } finally {
      copy.close();
    }
    return;
  }
  const { uri, env } = pgArgs(target.location);
  createPrivateFile(dest);
  run(
    'pg_dump',
    [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      // The running hubs are not part of the data (see the SQLite case).
      '--exclude-table-data=hub_replicas',
      '--file',
      dest,
      '--dbname',
      uri,
    ],
    env,
    'Backing up the PostgreSQL database',
  );
}

/**
 * Put a dump back into the configured database, which must be new: no SQLite file yet, or a
 * PostgreSQL database without labhub's tables (restore never merges into or overwrites a hub).
 */
export function restoreDatabase(target: DbTarget, kind: 'sqlite' | 'postgres', src: string): void {
  if (kind !== target.kind)
    throw new HubError(
      'LABHUB_ERR_DB',
      400,
      `The backup holds a ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database, but JupyterHub.db_url here is ${target.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: restore with a config whose db_url is of the same kind.`,
    );
  if (target.kind === 'sqlite') {
    if (target.location === ':memory:')
      throw new HubError(
        'LABHUB_ERR_DB',
        400,
        'JupyterHub.db_url is in memory: nothing to restore into.',
      );
    if (existsSync(target.location))
      throw new HubError(
        'LABHUB_ERR_DB',
        409,
        `${target.location} already exists: restore never overwrites a database. Move it away (or restore into a new directory) and run labhub restore again.`,
      );
    createPrivateFile(target.location);
    copyFileSync(src, target.location);
    return;
  }
  const { uri, env } = pgArgs(target.location);
  const tables = run(
    'psql',
    [
      '--no-psqlrc',
      '-At',
      '-c',
      "select count(*) from information_schema.tables where table_name = 'labhub_migrations'",
      uri,
    ],
    env,
    'Checking the PostgreSQL database',
  ).trim();
  if (tables !== '0')
    throw new HubError(
      'LABHUB_ERR_DB',
      409,
      `The PostgreSQL database in JupyterHub.db_url already holds a labhub hub: restore never overwrites one. Create an empty database (createdb) and point db_url at it.`,
    );
  run(
    'pg_restore',
    [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      '--dbname',
      uri,
      src,
    ],
    env,
    'Restoring the PostgreSQL database',
  );
}
