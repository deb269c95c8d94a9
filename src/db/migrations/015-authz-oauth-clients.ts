import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * The authorization generation (migration 011) moved on every write to `oauth_clients`, and every
 * spawn writes its server's OAuth client and every stop deletes it: each start or stop made every
 * cached scope set of every caller stale. What a client adds to scopes is only the resource of
 * the tokens issued to it (`api_tokens.client_id`: its server), so the generation now moves
 * only when that can change an answer:
 * - a client is added or deleted while tokens with its id exist (a new server's client has none:
 *   a stop deletes the tokens of its client before the client);
 * - a client's id or server changes.
 * An index on `api_tokens.client_id` keeps the check (and the stop's token deletion) cheap.
 */
const BUMP = 'UPDATE authz_generation SET n = n + 1 WHERE id = 1';
const EVENTS = ['insert', 'update', 'delete'] as const;
const trigger = (ev: string) => `authz_bump_oauth_clients_${ev}`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('api_tokens_client')
    .on('api_tokens')
    .column('client_id')
    .ifNotExists()
    .execute();
  if (isPostgres(db)) {
    for (const ev of EVENTS)
      await sql.raw(`DROP TRIGGER IF EXISTS ${trigger(ev)} ON oauth_clients`).execute(db);
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION labhub_authz_bump_oauth_client() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.id IS DISTINCT FROM NEW.id OR OLD.server_id IS DISTINCT FROM NEW.server_id THEN ${BUMP}; END IF;
  ELSIF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM api_tokens WHERE client_id = NEW.id) THEN ${BUMP}; END IF;
  ELSE
    IF EXISTS (SELECT 1 FROM api_tokens WHERE client_id = OLD.id) THEN ${BUMP}; END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    for (const ev of EVENTS)
      await sql
        .raw(
          `CREATE TRIGGER ${trigger(ev)} AFTER ${ev.toUpperCase()} ON oauth_clients FOR EACH ROW EXECUTE FUNCTION labhub_authz_bump_oauth_client()`,
        )
        .execute(db);
    return;
  }
  for (const ev of EVENTS) await sql.raw(`DROP TRIGGER IF EXISTS ${trigger(ev)}`).execute(db);
  const when = {
    insert: 'EXISTS (SELECT 1 FROM api_tokens WHERE client_id = NEW.id)',
    update: 'OLD.id IS NOT NEW.id OR OLD.server_id IS NOT NEW.server_id',
    delete: 'EXISTS (SELECT 1 FROM api_tokens WHERE client_id = OLD.id)',
  };
  for (const ev of EVENTS)
    await sql
      .raw(
        `CREATE TRIGGER ${trigger(ev)} AFTER ${ev.toUpperCase()} ON oauth_clients WHEN ${when[ev]} BEGIN ${BUMP}; END`,
      )
      .execute(db);
}

/** Back to migration 011's triggers (every write to oauth_clients moves the generation). */
export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  for (const ev of EVENTS)
    await sql
      .raw(`DROP TRIGGER IF EXISTS ${trigger(ev)}${pg ? ' ON oauth_clients' : ''}`)
      .execute(db);
  for (const ev of EVENTS)
    await sql
      .raw(
        pg
          ? `CREATE TRIGGER ${trigger(ev)} AFTER ${ev.toUpperCase()} ON oauth_clients FOR EACH STATEMENT EXECUTE FUNCTION labhub_authz_bump()`
          : `CREATE TRIGGER ${trigger(ev)} AFTER ${ev.toUpperCase()} ON oauth_clients BEGIN ${BUMP}; END`,
      )
      .execute(db);
  if (pg) await sql`DROP FUNCTION IF EXISTS labhub_authz_bump_oauth_client()`.execute(db);
  await db.schema.dropIndex('api_tokens_client').ifExists().execute();
}
