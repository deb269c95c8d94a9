import { type Kysely, sql } from 'kysely';

/**
 * Hub replicas (docs/high-availability.md): the registry of running hub processes with their
 * heartbeat, the leader lease (one row), and the replica owning each active server.
 * Times are milliseconds since the epoch on the database's clock.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hub_replicas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('hub_url', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_ms', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('hub_leader')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('replica_id', 'text', (c) => c.notNull())
    .addColumn('expires_ms', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO hub_leader (id, replica_id, expires_ms) VALUES (1, '', 0)`.execute(db);
  await db.schema.alterTable('servers').addColumn('owner_replica', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('servers').dropColumn('owner_replica').execute();
  await db.schema.dropTable('hub_leader').ifExists().execute();
  await db.schema.dropTable('hub_replicas').ifExists().execute();
}
