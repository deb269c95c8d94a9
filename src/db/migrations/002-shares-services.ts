import type { Kysely } from 'kysely';

/**
 * Shares and share codes (JupyterHub 5.0 sharing) and services created through the REST API
 * (`POST /hub/api/services/{name}`), which must survive a hub restart like config services do.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const dialectIsPg = (db.getExecutor().adapter.constructor.name ?? '')
    .toLowerCase()
    .includes('postgres');
  const idCol = (tb: any) =>
    dialectIsPg
      ? tb.addColumn('id', 'serial', (c: any) => c.primaryKey())
      : tb.addColumn('id', 'integer', (c: any) => c.primaryKey().autoIncrement());

  // One row per (server, user) or (server, group): the scopes granted on that server.
  await idCol(db.schema.createTable('shares'))
    .addColumn('server_id', 'integer', (c: any) =>
      c.notNull().references('servers.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'integer', (c: any) => c.references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c: any) => c.references('groups.id').onDelete('cascade'))
    .addColumn('scopes', 'text', (c: any) => c.notNull())
    .addColumn('created_at', 'text', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('shares_server').on('shares').column('server_id').execute();
  await db.schema.createIndex('shares_user').on('shares').column('user_id').execute();
  await db.schema.createIndex('shares_group').on('shares').column('group_id').execute();

  await idCol(db.schema.createTable('share_codes'))
    .addColumn('server_id', 'integer', (c: any) =>
      c.notNull().references('servers.id').onDelete('cascade'),
    )
    .addColumn('prefix', 'text', (c: any) => c.notNull())
    .addColumn('hashed', 'text', (c: any) => c.notNull())
    .addColumn('scopes', 'text', (c: any) => c.notNull())
    .addColumn('created_at', 'text', (c: any) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('exchange_count', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('last_exchanged_at', 'text')
    .execute();
  await db.schema.createIndex('share_codes_server').on('share_codes').column('server_id').execute();
  await db.schema.createIndex('share_codes_prefix').on('share_codes').column('prefix').execute();

  await db.schema
    .createTable('api_services')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['api_services', 'share_codes', 'shares'])
    await db.schema.dropTable(t).ifExists().execute();
}
