/**
 * Listing users (GET /users): one page filtered and sorted in SQL, with the columns the models
 * show only; unfiltered listings through query shapes compiled once (query-shapes.ts).
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from './connection.js';
import type { QueryShapes } from './query-shapes.js';
import type { Database } from './schema.js';
import { LISTED_SERVER_COLUMNS, listedServersByUser, type ListedServer } from './servers.js';
import type { ListRestriction, UserListQuery } from './users.js';

/**
 * A user as a listing shows it: without the cookie id and auth_state (never listed), and with
 * its timestamps as stored (ISO text), formatted for the wire without a Date in between.
 */
export interface ListedUser {
  id: number;
  name: string;
  admin: boolean;
  created: string;
  lastActivity: string | null;
}

/** The columns of a {@link ListedUser}: a listing reads only these. */
const LISTED_COLUMNS = [
  'users.id',
  'users.name',
  'users.admin',
  'users.created',
  'users.last_activity',
] as const;

/** `count(*)` of a users query. */
const countOf = <Q extends SelectQueryBuilder<Database, 'users', object>>(q: Q) =>
  q.select((eb) => eb.fn.countAll<number>().as('n'));

/**
 * One page of users, filtered and sorted in SQL. `totalUsers` is the (remembered) count of all
 * users, for an unfiltered listing.
 */
export async function listUsers(
  db: Db,
  shapes: QueryShapes,
  totalUsers: () => Promise<number>,
  q: UserListQuery,
  restrict?: ListRestriction,
): Promise<{ users: ListedUser[]; total: number }> {
  const col = q.sort ?? 'id';
  const dir = q.descending ? 'desc' : 'asc';
  // Without a restriction or name filter, the query's shape follows sort and state only: it is
  // compiled once per shape (query-shapes.ts); a filter's names make every query its own.
  const unfiltered = !restrict && !q.nameFilter;
  const where = () => filtered(db, q, restrict);
  const total =
    unfiltered && !q.state
      ? await totalUsers()
      : Number(
          (unfiltered
            ? (await shapes.run(`users.count:${q.state}`, [], () => countState(db, q)))[0]!
            : await countOf(where()).executeTakeFirstOrThrow()
          ).n,
        );
  const page = (slot?: (i: number) => never) => {
    let page = where().select(LISTED_COLUMNS);
    if (col === 'last_activity') {
      // JupyterHub's order: NULLs first ascending, last descending.
      page = page
        .orderBy(sql`case when last_activity is null then 0 else 1 end`, dir)
        .orderBy('last_activity', dir);
    } else page = page.orderBy(col, dir);
    if (col !== 'id') page = page.orderBy('id', 'asc');
    return slot ? page.offset(slot(0)).limit(slot(1)) : page.offset(q.offset).limit(q.limit);
  };
  if (unfiltered) {
    // Rows as arrays in LISTED_COLUMNS' order: one object per user, not two.
    const rows = await shapes.runRaw(
      `users.page:${col}:${dir}:${q.state}`,
      [q.offset, q.limit],
      page,
    );
    const users: ListedUser[] = rows.map((r) => ({
      id: r[0] as number,
      name: r[1] as string,
      admin: !!r[2],
      created: r[3] as string,
      lastActivity: r[4] as string | null,
    }));
    return { users, total };
  }
  const rows = await page().execute();
  const users: ListedUser[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    admin: !!r.admin,
    created: r.created,
    lastActivity: r.last_activity,
  }));
  return { users, total };
}

/**
 * The count of an unfiltered listing by state: active (and ready, whose rows are then filtered)
 * users are counted in the (indexed) active servers alone, without visiting their user rows.
 */
function countState(db: Db, q: UserListQuery) {
  if (q.state !== 'active' && q.state !== 'ready') return countOf(filtered(db, q));
  return db
    .selectFrom('servers')
    .select((eb) => eb.fn.count<number>('servers.user_id').distinct().as('n'))
    .where('servers.status', 'in', ['spawning', 'running', 'stopping']);
}

/** `from users` with the restriction, name filter and state of a listing. */
function filtered(db: Db, q: UserListQuery, restrict?: ListRestriction) {
  let base = db.selectFrom('users');
  if (restrict) {
    // A filtered list:users scope (e.g. list:users!group=x): only those rows, in SQL.
    const names = [...(restrict.users ?? [])];
    const groups = [...(restrict.groups ?? [])];
    base = base.where((eb) => {
      const ors = [];
      if (names.length) ors.push(eb('users.name', 'in', names));
      if (groups.length) {
        ors.push(
          eb(
            'users.id',
            'in',
            eb
              .selectFrom('user_group_map')
              .innerJoin('groups', 'groups.id', 'user_group_map.group_id')
              .select('user_group_map.user_id')
              .where('groups.name', 'in', groups),
          ),
        );
      }
      return ors.length ? eb.or(ors) : sql<boolean>`1 = 0`;
    });
  }
  if (q.nameFilter)
    base = base.where(
      sql<boolean>`lower(name) like ${'%' + q.nameFilter.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c) + '%'} escape '\\'`,
    );
  // Driven from the (indexed) active servers, so the cost follows active users, not all users.
  const activeUserIds = db
    .selectFrom('servers')
    .select('servers.user_id')
    .where('servers.status', 'in', ['spawning', 'running', 'stopping']);
  if (q.state === 'active' || q.state === 'ready') {
    base = base.where('users.id', 'in', activeUserIds);
  } else if (q.state === 'inactive') {
    base = base.where('users.id', 'not in', activeUserIds);
  }
  return base;
}

/**
 * Whether any user has a directly assigned role, and whether any user is in a group: one
 * statement deciding whether a page needs its role and group queries at all (most hubs need
 * neither).
 */
export async function pageExtrasNeeded(
  db: Db,
  shapes: QueryShapes,
): Promise<{ roles: boolean; groups: boolean }> {
  const [row] = await shapes.run('users.pageExtras', [], () =>
    db.selectNoFrom((eb) => [
      eb
        .exists(
          eb.selectFrom('role_map').select('role_map.entity').where('role_map.kind', '=', 'user'),
        )
        .as('roles'),
      eb.exists(eb.selectFrom('user_group_map').select('user_group_map.user_id')).as('groups'),
    ]),
  );
  return { roles: !!Number(row?.roles ?? 1), groups: !!Number(row?.groups ?? 1) };
}

/**
 * Servers of a page's users (the listed columns) when the page's ids are nearly consecutive, as
 * an id-ordered page of a hub with few deletions is: one range of the (user_id, name) index
 * instead of an `in` list of up to 200 values. Null when the ids are spread out (then the
 * caller's `in` list reads fewer rows).
 */
export function serversInIdRange(
  db: Db,
  shapes: QueryShapes,
  ids: readonly number[],
): Promise<Map<number, ListedServer[]> | null> {
  if (!ids.length) return Promise.resolve(new Map());
  let lo = ids[0]!;
  let hi = lo;
  for (const id of ids) {
    if (id < lo) lo = id;
    else if (id > hi) hi = id;
  }
  const span = hi - lo + 1;
  if (span > 2 * ids.length) return Promise.resolve(null);
  // Every id in the range is on the page when the span equals the page (no duplicates in a page).
  const onPage = span === ids.length ? null : ids;
  return shapes
    .run('users.pageServersRange', [lo, hi], (slot) =>
      db
        .selectFrom('servers')
        .select(LISTED_SERVER_COLUMNS)
        .where('user_id', '>=', slot(0))
        .where('user_id', '<=', slot(1))
        .orderBy('name'),
    )
    .then((rows) => (rows.length ? listedServersByUser(rows, onPage) : new Map()));
}
