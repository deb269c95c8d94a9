import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import { HubError } from '../errors.js';
import type { Database } from './schema.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-shares-services.js';
import * as m003 from './migrations/003-failure-index.js';

/** Every migration, in order. Add new ones at the end; never edit a released one. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-shares-services': m002,
  '003-failure-index': m003,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export type Db = Kysely<Database>;

export interface DbTarget {
  kind: 'sqlite' | 'postgres';
  /** File path (sqlite, ':memory:' allowed) or connection string (postgres). */
  location: string;
}

/**
 * Parse JupyterHub's `db_url`: `sqlite:///relative.sqlite`, `sqlite:////abs/path.sqlite`,
 * `sqlite://` or `sqlite:///:memory:` (memory), `postgresql://…` / `postgres://…`.
 */
export function parseDbUrl(url: string, cwd = process.cwd()): DbTarget {
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (rest === '' || rest === '/:memory:' || rest === ':memory:')
      return { kind: 'sqlite', location: ':memory:' };
    // After 'sqlite://', one more '/' separates the (empty) host from the path: '/rel' → 'rel', '//abs' → '/abs'.
    const path = rest.startsWith('/') ? rest.slice(1) : rest;
    return { kind: 'sqlite', location: resolve(cwd, path) };
  }
  if (/^postgres(ql)?(\+\w+)?:\/\//.test(url)) {
    return { kind: 'postgres', location: url.replace(/^postgres(ql)?\+\w+:/, 'postgresql:') };
  }
  throw new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `JupyterHub.db_url: expected sqlite:///path.sqlite or postgresql://user@host/db, got '${url}'. Fix db_url in your config.`,
  );
}

/** Open (but do not migrate) a database. */
export async function openDb(target: DbTarget): Promise<Db> {
  if (target.kind === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    let sqlite;
    try {
      sqlite = new SQLite(target.location);
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_DB',
        500,
        `Cannot open the SQLite database ${target.location}: ${(e as Error).message}. Check that the directory is writable.`,
      );
    }
    sqlite.pragma('journal_mode = WAL');
    // WAL + NORMAL: commits no longer wait for an fsync each (the WAL is synced at checkpoints).
    // The database stays consistent; only the last transactions can be lost, and only on a power
    // loss or OS crash (not when the hub process dies). SQLite recommends it for WAL; with FULL,
    // every small write (a spawn makes ~8) blocked the event loop for an fsync.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
  }
  const pg = await import('pg');
  const Pool = (pg.default ?? pg).Pool;
  const pool = new Pool({ connectionString: target.location, max: 10 });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

type SqliteDb = InstanceType<typeof import('better-sqlite3')>;

/**
 * Kysely prepares every query anew; compiling SQL in SQLite costs more than running these
 * small indexed queries. Keep the most recently used prepared statements (keyed by SQL text).
 * Safe because kysely runs each statement to completion synchronously (all/run) before the
 * next one, so a cached statement is never busy.
 */
function withStatementCache(
  sqlite: SqliteDb,
  max = 512,
): { prepare: SqliteDb['prepare']; close: () => void } {
  const cache = new Map<string, ReturnType<SqliteDb['prepare']>>();
  return {
    prepare: ((sql: string) => {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    }) as SqliteDb['prepare'],
    close: () => {
      cache.clear();
      sqlite.close();
    },
  };
}

/** Bring the schema to the newest version. Returns the names of the migrations applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(),
    migrationTableName: 'labhub_migrations',
    migrationLockTableName: 'labhub_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new HubError(
      'LABHUB_ERR_DB',
      500,
      `Database migration ${failed} failed: ${(error as Error).message ?? String(error)}. The database was left at the previous version; restore the backup made by 'labhub upgrade-db' if needed.`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(),
    migrationTableName: 'labhub_migrations',
    migrationLockTableName: 'labhub_migrations_lock',
  });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}

/** Copy an SQLite file before upgrading it; returns the backup path (null when nothing to copy). */
export function backupSqlite(target: DbTarget, now = new Date()): string | null {
  if (target.kind !== 'sqlite' || target.location === ':memory:' || !existsSync(target.location))
    return null;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dest = `${target.location}.${stamp}.bak`;
  copyFileSync(target.location, dest);
  return dest;
}
