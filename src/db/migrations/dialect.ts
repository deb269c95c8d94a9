import type { Kysely } from 'kysely';

/**
 * What migrations from 006 on share about the two dialects (001–005 carry their own copies and
 * stay as released).
 */
export function isPostgres(db: Kysely<unknown>): boolean {
  return (db.getExecutor().adapter.constructor.name ?? '').toLowerCase().includes('postgres');
}

/** Adds an auto-increment integer primary key `id`: `serial` on PostgreSQL, SQLite's rowid alias. */
export function withIdColumn<T extends { addColumn: (...a: any[]) => any }>(
  db: Kysely<unknown>,
  tb: T,
): T {
  return isPostgres(db)
    ? tb.addColumn('id', 'serial', (c: any) => c.primaryKey())
    : tb.addColumn('id', 'integer', (c: any) => c.primaryKey().autoIncrement());
}
