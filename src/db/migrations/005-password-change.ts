import type { Kysely } from 'kysely';

/**
 * One-time passwords that must be changed at the first login: the native accounts' flag, and the
 * short-lived tickets that prove a login's old password was right while the person chooses a new
 * one (PAM and native alike).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('native_accounts')
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('password_change_tickets')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('old_password_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('password_change_tickets_expires')
    .on('password_change_tickets')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('password_change_tickets').ifExists().execute();
  await db.schema.alterTable('native_accounts').dropColumn('must_change_password').execute();
}
