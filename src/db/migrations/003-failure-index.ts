import { type Kysely, sql } from 'kysely';

/** Recent spawn failures for the admin page: a partial index, so the query never scans all servers. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('servers_failures')
    .on('servers')
    .column('started')
    .where(sql.ref('last_error'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('servers_failures').ifExists().execute();
}
