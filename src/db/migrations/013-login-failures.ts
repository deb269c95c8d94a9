import type { Kysely } from 'kysely';

/**
 * Failed logins shared by every hub replica (docs/high-availability.md): one row per failure
 * and key (a user name or a client address), so the login rate limit is cluster-wide on
 * PostgreSQL. Times are milliseconds since the epoch on the database's clock.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('login_failures')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('login_failures_key_at')
    .on('login_failures')
    .columns(['key', 'at_ms'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_failures').ifExists().execute();
}
