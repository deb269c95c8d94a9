import type { Kysely } from 'kysely';

/**
 * Daily roll-up of the usage accounting (issue 14): one row per UTC day, user and profile,
 * summed from the hourly buckets of finished days. Year-long reports read these (24× fewer rows
 * per running user) and the hourly buckets of whole days only at the range's edges; hourly
 * buckets older than `Labhub.usage.hourly_retention_days` are pruned once their day is rolled up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_daily')
    .addColumn('day', 'text', (c: any) => c.notNull())
    .addColumn('user_id', 'integer', (c: any) => c.notNull())
    .addColumn('profile', 'text', (c: any) => c.notNull())
    .addColumn('server_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('active_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('cpu_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('mem_peak', 'double precision', (c: any) => c.notNull())
    .addColumn('mem_sum', 'double precision', (c: any) => c.notNull())
    .addColumn('samples', 'integer', (c: any) => c.notNull())
    .addPrimaryKeyConstraint('usage_daily_pk', ['day', 'user_id', 'profile'])
    .execute();
  await db.schema
    .createIndex('usage_daily_user')
    .on('usage_daily')
    .columns(['user_id', 'day'])
    .execute();
  // The dashboard's spawn statistics read only these columns of the sessions in a range.
  await db.schema
    .createIndex('usage_sessions_spawns')
    .on('usage_sessions')
    .columns(['requested_at', 'spawn_seconds', 'stop_reason', 'detail'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_sessions_spawns').ifExists().execute();
  await db.schema.dropTable('usage_daily').ifExists().execute();
}
