import { type Kysely, sql } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * A counter that moves whenever anything a caller's scopes depend on changes: roles and role
 * assignments, group membership and group names, a user's admin flag, name or deletion, shares,
 * a server's name or deletion, OAuth clients. The hub caches each token's expanded scopes with the
 * counter's value and recomputes when it moved. Triggers keep it, so every writer counts — every
 * hub replica, `labhub` commands, a hand-made SQL change — and one small read per request tells
 * whether a cached answer still holds.
 */
const WATCHED: Array<{ table: string; events: string[] }> = [
  { table: 'roles', events: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'role_map', events: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'user_group_map', events: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'groups', events: ['UPDATE OF name', 'DELETE'] },
  { table: 'users', events: ['UPDATE OF admin, name', 'DELETE'] },
  { table: 'servers', events: ['UPDATE OF name', 'DELETE'] },
  { table: 'shares', events: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'oauth_clients', events: ['INSERT', 'UPDATE', 'DELETE'] },
];

const isPg = isPostgres;

const triggerName = (table: string, event: string) =>
  `authz_bump_${table}_${event.split(' ')[0].toLowerCase()}`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authz_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO authz_generation (id, n) VALUES (1, 0)`.execute(db);
  const bump = 'UPDATE authz_generation SET n = n + 1 WHERE id = 1';
  if (isPg(db)) {
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION labhub_authz_bump() RETURNS trigger AS $$ BEGIN ${bump}; RETURN NULL; END $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    for (const { table, events } of WATCHED)
      for (const ev of events)
        await sql
          .raw(
            `CREATE TRIGGER ${triggerName(table, ev)} AFTER ${ev} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION labhub_authz_bump()`,
          )
          .execute(db);
    return;
  }
  for (const { table, events } of WATCHED)
    for (const ev of events)
      await sql
        .raw(`CREATE TRIGGER ${triggerName(table, ev)} AFTER ${ev} ON ${table} BEGIN ${bump}; END`)
        .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { table, events } of WATCHED)
    for (const ev of events)
      await sql
        .raw(`DROP TRIGGER IF EXISTS ${triggerName(table, ev)}${isPg(db) ? ` ON ${table}` : ''}`)
        .execute(db);
  if (isPg(db)) await sql`DROP FUNCTION IF EXISTS labhub_authz_bump()`.execute(db);
  await db.schema.dropTable('authz_generation').ifExists().execute();
}
