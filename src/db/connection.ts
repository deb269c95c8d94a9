import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type Migration,
  type MigrationProvider,
  sql,
} from 'kysely';
import { registerDirectSqlite } from './direct-sqlite.js';
import { HubError } from '../errors.js';
import {
  createPrivateFile,
  modeText,
  sqliteFiles,
  tightenFile,
  tightenedMessage,
  fileMode,
  type Tightened,
} from '../security/private-files.js';
import type { Database } from './schema.js';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-shares-services.js';
import * as m003 from './migrations/003-failure-index.js';
import * as m004 from './migrations/004-native-email.js';
import * as m005 from './migrations/005-password-change.js';
import * as m006 from './migrations/006-usage.js';
import * as m011 from './migrations/011-authz-generation.js';
import * as m007 from './migrations/007-replicas.js';
import * as m012 from './migrations/012-usage-daily.js';
import * as m013 from './migrations/013-login-failures.js';
import * as m015 from './migrations/015-authz-oauth-clients.js';

/** Every migration, in order. Add new ones at the end; never edit a released one. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-shares-services': m002,
  '003-failure-index': m003,
  '004-native-email': m004,
  '005-password-change': m005,
  '006-usage': m006,
  '011-authz-generation': m011,
  '007-replicas': m007,
  '012-usage-daily': m012,
  '013-login-failures': m013,
  '015-authz-oauth-clients': m015,
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

/** Options of {@link openDb}. */
export interface OpenDbOptions {
  /**
   * Called for each SQLite file (the database, -wal, -shm, -journal) that group or others could
   * read and that was made private before opening; use {@link dbTightenedMessage} to warn.
   */
  onTightened?: (t: Tightened) => void;
  /** Called when such a file could not be made private (e.g. not owned by this account). */
  onExposed?: (message: string) => void;
}

/** The warning for a database file found readable by other accounts (file, old and new mode). */
export function dbTightenedMessage(t: Tightened): string {
  return tightenedMessage(
    'The database file',
    t,
    'Other local accounts may have copied the secrets in it (the proxy API token, password hashes of native accounts); see docs/security.md (V4).',
  );
}

/**
 * The SQLite files hold credentials (the proxy token, password hashes) and every local account
 * has a shell under PAM: make existing ones private, and create the database file 0600 before
 * SQLite opens it, because SQLite creates -wal and -shm with the database file's mode.
 */
function prepareSqliteFiles(file: string, opts: OpenDbOptions): void {
  for (const f of sqliteFiles(file)) {
    try {
      const t = tightenFile(f);
      if (t) opts.onTightened?.(t);
    } catch (e) {
      opts.onExposed?.(
        `The database file ${f} is readable by other accounts (mode ${modeText(fileMode(f) ?? 0)}) and labhub could not change that (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Run: chmod 600 ${f}`,
      );
    }
  }
  try {
    createPrivateFile(file);
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_DB',
      500,
      `Cannot create the SQLite database ${file}: ${(e as Error).message}. Check that the directory is writable.`,
    );
  }
}

/** Open (but do not migrate) a database. */
export async function openDb(target: DbTarget, opts: OpenDbOptions = {}): Promise<Db> {
  if (target.kind === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    if (target.location !== ':memory:') prepareSqliteFiles(target.location, opts);
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
    const cached = withStatementCache(sqlite);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
    const conn = sqlite;
    registerDirectSqlite(db, {
      prepare: cached.prepare,
      get inTransaction() {
        return conn.inTransaction;
      },
    });
    return db;
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

/**
 * Migration names ("001-…") in code-unit order. Kysely's default, `localeCompare`, gives the same
 * order for these ASCII names but loads ICU's collation tables on every start: ~2.5 MB more of
 * the `node` binary resident for the hub's lifetime.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Bring the schema to the newest version. Returns the names of the migrations applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(),
    migrationTableName: 'labhub_migrations',
    migrationLockTableName: 'labhub_migrations_lock',
    nameComparator: byCodeUnits,
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
    nameComparator: byCodeUnits,
  });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}

/**
 * Back up an SQLite database before upgrading it: a consistent copy made by SQLite itself
 * (`VACUUM INTO`, so rows still in the -wal are included) into a file created 0600 first, since
 * the copy holds the same secrets as the database. Returns the backup path (null when there is
 * nothing to copy).
 */
export async function backupSqlite(
  target: DbTarget,
  db: Db,
  now = new Date(),
): Promise<string | null> {
  if (target.kind !== 'sqlite' || target.location === ':memory:' || !existsSync(target.location))
    return null;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dest = `${target.location}.${stamp}.bak`;
  // VACUUM INTO writes into an existing empty file, keeping its mode.
  createPrivateFile(dest);
  await sql`VACUUM INTO ${dest}`.execute(db);
  return dest;
}
