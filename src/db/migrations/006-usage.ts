import { type Kysely, sql } from 'kysely';
import { withIdColumn } from './dialect.js';

/**
 * Usage accounting (issue 14): one row per server session (spawn request to stop), raw resource
 * samples (pruned after a few days) and their hourly roll-up (kept for the retention period).
 * No foreign keys to users/servers on purpose: the history outlives a deleted user or server.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const idCol = (tb: any) => withIdColumn(db, tb);

  await idCol(db.schema.createTable('usage_sessions'))
    .addColumn('server_id', 'integer', (c: any) => c.notNull())
    .addColumn('user_id', 'integer', (c: any) => c.notNull())
    .addColumn('user_name', 'text', (c: any) => c.notNull())
    .addColumn('server_name', 'text', (c: any) => c.notNull())
    .addColumn('spawner', 'text', (c: any) => c.notNull())
    .addColumn('profile', 'text', (c: any) => c.notNull())
    .addColumn('requested_at', 'text', (c: any) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('spawn_seconds', 'double precision')
    .addColumn('stopped_at', 'text')
    .addColumn('stop_reason', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('usage_sessions_open')
    .on('usage_sessions')
    .column('server_id')
    .where(sql.ref('stopped_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('usage_sessions_requested')
    .on('usage_sessions')
    .column('requested_at')
    .execute();
  await db.schema
    .createIndex('usage_sessions_stopped')
    .on('usage_sessions')
    .column('stopped_at')
    .execute();

  await db.schema
    .createTable('usage_samples')
    .addColumn('session_id', 'integer', (c: any) => c.notNull())
    .addColumn('at', 'text', (c: any) => c.notNull())
    .addColumn('cpu_total', 'double precision', (c: any) => c.notNull())
    .addColumn('cpu_delta', 'double precision', (c: any) => c.notNull())
    .addColumn('mem_bytes', 'double precision', (c: any) => c.notNull())
    .addColumn('active', 'integer', (c: any) => c.notNull())
    .addColumn('seconds', 'double precision', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_samples_at').on('usage_samples').column('at').execute();
  await db.schema
    .createIndex('usage_samples_session')
    .on('usage_samples')
    .columns(['session_id', 'at'])
    .execute();

  await db.schema
    .createTable('usage_hourly')
    .addColumn('hour', 'text', (c: any) => c.notNull())
    .addColumn('session_id', 'integer', (c: any) => c.notNull())
    .addColumn('user_id', 'integer', (c: any) => c.notNull())
    .addColumn('profile', 'text', (c: any) => c.notNull())
    .addColumn('server_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('active_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('cpu_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('mem_peak', 'double precision', (c: any) => c.notNull())
    .addColumn('mem_sum', 'double precision', (c: any) => c.notNull())
    .addColumn('samples', 'integer', (c: any) => c.notNull())
    .addPrimaryKeyConstraint('usage_hourly_pk', ['hour', 'session_id'])
    .execute();
  // One row per hour for the dashboard's series (a year is 8,760 rows whatever the user count).
  await db.schema
    .createTable('usage_hours')
    .addColumn('hour', 'text', (c: any) => c.primaryKey())
    .addColumn('server_seconds', 'double precision', (c: any) => c.notNull())
    .addColumn('users', 'integer', (c: any) => c.notNull())
    .addColumn('active_users', 'integer', (c: any) => c.notNull())
    .execute();
  await db.schema
    .createIndex('usage_hourly_user')
    .on('usage_hourly')
    .columns(['user_id', 'hour'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_hours').ifExists().execute();
  await db.schema.dropTable('usage_hourly').ifExists().execute();
  await db.schema.dropTable('usage_samples').ifExists().execute();
  await db.schema.dropTable('usage_sessions').ifExists().execute();
}
