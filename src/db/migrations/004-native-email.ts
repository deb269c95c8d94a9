import type { Kysely } from 'kysely';

/** NativeAuthenticator's `ask_email_on_signup`: the address given on the sign-up page. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('native_accounts').addColumn('email', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('native_accounts').dropColumn('email').execute();
}
