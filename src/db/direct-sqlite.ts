/**
 * Statements compiled once (query-shapes.ts) run on SQLite straight through better-sqlite3,
 * without Kysely's executor: its connection mutex, driver and result plumbing are several async
 * steps per statement, more than SQLite needs for these small indexed queries (a 200-user page
 * runs five). Same prepared statements (the connection's statement cache) and the same result
 * shape as Kysely's SQLite driver.
 *
 * Only outside a transaction: while one is open (Kysely keeps the connection across the
 * transaction's awaits), a statement that is not part of it must wait for its end, so it takes
 * Kysely's path and queue. A lone statement outside a transaction changes no connection state,
 * so running it synchronously between two steps of another caller's statement is the same as
 * running it just before or after.
 */
import type { CompiledQuery, QueryResult } from 'kysely';

interface Statement {
  readonly reader: boolean;
  raw(on: boolean): Statement;
  all(params: readonly unknown[]): unknown[];
  run(params: readonly unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

/** The connection's prepare (with its statement cache) and its transaction state. */
export interface DirectSqlite {
  prepare(sql: string): Statement;
  readonly inTransaction: boolean;
}

const direct = new WeakMap<object, DirectSqlite>();

/** Called once by openDb for a SQLite database. */
export function registerDirectSqlite(db: object, conn: DirectSqlite): void {
  direct.set(db, conn);
}

/** The direct runner of `db`: only the database openDb made (not a transaction, not PostgreSQL). */
export function directSqliteOf(db: object): DirectSqlite | undefined {
  return direct.get(db);
}

/**
 * Run `q` on `conn` as Kysely's SQLite driver would; undefined inside a transaction. `raw`: a
 * read's rows as arrays of the selected columns in order (no object per row: a 200-user page
 * made 200 objects only to copy them), the statement set back to objects after.
 */
export function runDirect<R>(
  conn: DirectSqlite,
  q: CompiledQuery<R>,
  raw = false,
): QueryResult<R> | undefined {
  if (conn.inTransaction) return undefined;
  const stmt = conn.prepare(q.sql);
  if (raw && stmt.reader) {
    stmt.raw(true);
    try {
      return { rows: stmt.all(q.parameters) as R[] };
    } finally {
      stmt.raw(false);
    }
  }
  if (stmt.reader) return { rows: stmt.all(q.parameters) as R[] };
  const { changes, lastInsertRowid } = stmt.run(q.parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: BigInt(lastInsertRowid),
    rows: [],
  };
}
