import { type Kysely, sql } from 'kysely';

/** The first schema. Every later change is a new numbered migration file. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const dialectIsPg = (db.getExecutor().adapter.constructor.name ?? '')
    .toLowerCase()
    .includes('postgres');
  const idCol = (tb: any) =>
    dialectIsPg
      ? tb.addColumn('id', 'serial', (c: any) => c.primaryKey())
      : tb.addColumn('id', 'integer', (c: any) => c.primaryKey().autoIncrement());

  await idCol(db.schema.createTable('users'))
    .addColumn('name', 'text', (c: any) => c.notNull().unique())
    .addColumn('admin', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('created', 'text', (c: any) => c.notNull())
    .addColumn('last_activity', 'text')
    .addColumn('cookie_id', 'text', (c: any) => c.notNull())
    .addColumn('auth_state', 'text')
    .addColumn('user_info', 'text')
    .execute();
  await db.schema.createIndex('users_last_activity').on('users').column('last_activity').execute();

  await idCol(db.schema.createTable('servers'))
    .addColumn('user_id', 'integer', (c: any) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('status', 'text', (c: any) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('state', 'text', (c: any) => c.notNull())
    .addColumn('user_options', 'text', (c: any) => c.notNull())
    .addColumn('started', 'text')
    .addColumn('last_activity', 'text')
    .addColumn('last_error', 'text')
    .addColumn('server_version', 'text')
    .addUniqueConstraint('servers_user_name', ['user_id', 'name'])
    .execute();
  await db.schema.createIndex('servers_status').on('servers').column('status').execute();

  await idCol(db.schema.createTable('api_tokens'))
    .addColumn('prefix', 'text', (c: any) => c.notNull())
    .addColumn('hashed', 'text', (c: any) => c.notNull())
    .addColumn('user_id', 'integer', (c: any) => c.references('users.id').onDelete('cascade'))
    .addColumn('service_name', 'text')
    .addColumn('client_id', 'text', (c: any) => c.notNull())
    .addColumn('scopes', 'text', (c: any) => c.notNull())
    .addColumn('note', 'text', (c: any) => c.notNull())
    .addColumn('created', 'text', (c: any) => c.notNull())
    .addColumn('last_activity', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('session_id', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_prefix').on('api_tokens').column('prefix').execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
  await db.schema.createIndex('api_tokens_session').on('api_tokens').column('session_id').execute();

  await db.schema
    .createTable('oauth_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('allowed_scopes', 'text', (c) => c.notNull())
    .addColumn('server_id', 'integer')
    .addColumn('created', 'text', (c) => c.notNull())
    .execute();

  await idCol(db.schema.createTable('oauth_codes'))
    .addColumn('code_hash', 'text', (c: any) => c.notNull().unique())
    .addColumn('client_id', 'text', (c: any) =>
      c.notNull().references('oauth_clients.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'integer', (c: any) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('scopes', 'text', (c: any) => c.notNull())
    .addColumn('redirect_uri', 'text', (c: any) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('code_challenge', 'text')
    .addColumn('code_challenge_method', 'text')
    .addColumn('expires_at', 'text', (c: any) => c.notNull())
    .execute();

  await idCol(db.schema.createTable('groups'))
    .addColumn('name', 'text', (c: any) => c.notNull().unique())
    .addColumn('properties', 'text', (c: any) => c.notNull())
    .execute();
  await db.schema
    .createTable('user_group_map')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('user_group_pk', ['user_id', 'group_id'])
    .execute();
  await db.schema
    .createIndex('user_group_map_group')
    .on('user_group_map')
    .column('group_id')
    .execute();

  await idCol(db.schema.createTable('roles'))
    .addColumn('name', 'text', (c: any) => c.notNull().unique())
    .addColumn('description', 'text', (c: any) => c.notNull())
    .addColumn('scopes', 'text', (c: any) => c.notNull())
    .execute();
  await db.schema
    .createTable('role_map')
    .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_map_pk', ['role_id', 'kind', 'entity'])
    .execute();
  await db.schema
    .createIndex('role_map_entity')
    .on('role_map')
    .columns(['kind', 'entity'])
    .execute();

  await db.schema
    .createTable('login_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('native_accounts')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('approved', 'integer', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .execute();

  await db.schema
    .createTable('hub_kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  void sql;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'hub_kv',
    'native_accounts',
    'login_sessions',
    'role_map',
    'roles',
    'user_group_map',
    'groups',
    'oauth_codes',
    'oauth_clients',
    'api_tokens',
    'servers',
    'users',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
