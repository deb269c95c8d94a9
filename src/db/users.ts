import { randomBytes } from 'node:crypto';
import type { Db } from './connection.js';
import { fromIso, isoNow } from './time.js';
import { QueryShapes } from './query-shapes.js';
import type { ListedServer } from './servers.js';
import { listUsers, pageExtrasNeeded, serversInIdRange, type ListedUser } from './user-list.js';

/** Which rows a filtered `list:users` / `list:groups` scope lets the caller see. */
export interface ListRestriction {
  users?: readonly string[];
  groups?: readonly string[];
}

/** A hub user, as the domain sees it. */
export interface User {
  id: number;
  name: string;
  admin: boolean;
  created: Date;
  lastActivity: Date | null;
  cookieId: string;
  authState: Record<string, unknown> | null;
}

export type UserSort = 'id' | 'name' | 'last_activity';
export interface UserListQuery {
  offset: number;
  limit: number;
  nameFilter?: string;
  sort?: UserSort;
  descending?: boolean;
  /** active = has a non-stopped server; inactive = none. */
  state?: 'active' | 'inactive' | 'ready';
}

/**
 * How auth_state is kept at rest: the hub installs an encrypting codec (security/crypt-keeper.ts)
 * when enable_auth_state is on; without one it is plain JSON. `decode` returns null for a value it
 * cannot read (e.g. encrypted with a key no longer configured).
 */
export interface AuthStateCodec {
  encode(json: string): string;
  decode(stored: string): string | null;
}

function toUser(
  codec: AuthStateCodec | null,
  r: {
    id: number;
    name: string;
    admin: number;
    created: string;
    last_activity: string | null;
    cookie_id: string;
    auth_state: string | null;
  },
): User {
  return {
    id: r.id,
    name: r.name,
    admin: !!r.admin,
    created: new Date(r.created),
    lastActivity: fromIso(r.last_activity),
    cookieId: r.cookie_id,
    authState: readAuthState(codec, r.auth_state),
  };
}

function readAuthState(
  codec: AuthStateCodec | null,
  stored: string | null,
): Record<string, unknown> | null {
  if (!stored) return null;
  const json = codec ? codec.decode(stored) : stored;
  if (json === null) return null;
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null; // encrypted, and this hub has no key for it
  }
}

/** Users repository: every query is indexed; nothing loads all users. */
export class UserRepo {
  private codec: AuthStateCodec | null = null;
  private readonly toUser = (r: Parameters<typeof toUser>[1]): User => toUser(this.codec, r);
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  /** Encrypt auth_state from now on (and decrypt what is stored). */
  useAuthStateCodec(codec: AuthStateCodec): void {
    this.codec = codec;
  }

  async byName(name: string): Promise<User | null> {
    const [r] = await this.shapes.run('users.byName', [name], (slot) =>
      this.db.selectFrom('users').selectAll().where('name', '=', slot(0)),
    );
    return r ? this.toUser(r) : null;
  }

  /** The user of every authenticated request: compiled once. */
  async byId(id: number): Promise<User | null> {
    const [r] = await this.shapes.run('users.byId', [id], (slot) =>
      this.db.selectFrom('users').selectAll().where('id', '=', slot(0)),
    );
    return r ? this.toUser(r) : null;
  }

  async byNames(names: string[]): Promise<User[]> {
    if (!names.length) return [];
    const rows = await this.db.selectFrom('users').selectAll().where('name', 'in', names).execute();
    return rows.map(this.toUser);
  }

  async create(name: string, opts: { admin?: boolean } = {}): Promise<User> {
    this.totalCache = null;
    const row = await this.db
      .insertInto('users')
      .values({
        name,
        admin: opts.admin ? 1 : 0,
        created: isoNow(),
        last_activity: null,
        cookie_id: randomBytes(16).toString('hex'),
        auth_state: null,
        user_info: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toUser(row);
  }

  /**
   * Create many users in one transaction (one commit instead of one per user), in the given
   * order. Names must not exist yet (the unique index rejects duplicates and nothing is created).
   */
  async createMany(names: string[], opts: { admin?: boolean } = {}): Promise<User[]> {
    if (!names.length) return [];
    this.totalCache = null;
    const created = isoNow();
    return this.db.transaction().execute(async (trx) => {
      const out: User[] = [];
      for (const name of names) {
        const row = await trx
          .insertInto('users')
          .values({
            name,
            admin: opts.admin ? 1 : 0,
            created,
            last_activity: null,
            cookie_id: randomBytes(16).toString('hex'),
            auth_state: null,
            user_info: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        out.push(this.toUser(row));
      }
      return out;
    });
  }

  /** Names of the roles assigned directly to each of these users (one query, for list pages). */
  async roleNamesOf(ids: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (!ids.length) return out;
    // Most hubs assign roles to few users, if any: one index seek says whether a page's
    // `in` list of ids (one probe each) is worth running.
    if (ids.length > 1) {
      const any = await this.shapes.run('users.anyRoleAssigned', [], () =>
        this.db
          .selectFrom('role_map')
          .select('role_map.entity')
          .where('role_map.kind', '=', 'user')
          .limit(1),
      );
      if (!any.length) return out;
    }
    const rows = await this.shapes.run(`users.roleNamesOf:${ids.length}`, ids.map(String), (slot) =>
      this.db
        .selectFrom('role_map')
        .innerJoin('roles', 'roles.id', 'role_map.role_id')
        .select(['role_map.entity as entity', 'roles.name as name'])
        .where('role_map.kind', '=', 'user')
        .where(
          'role_map.entity',
          'in',
          Array.from(ids, (_, i) => slot(i)),
        ),
    );
    for (const r of rows) {
      const id = Number(r.entity);
      const list = out.get(id) ?? [];
      list.push(r.name);
      out.set(id, list);
    }
    return out;
  }

  /** The oldest admin user, or null when there is none (authorizes `labhub stop`). */
  async anyAdmin(): Promise<User | null> {
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where('admin', '=', 1)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return r ? this.toUser(r) : null;
  }

  async ensure(name: string, opts: { admin?: boolean } = {}): Promise<User> {
    return (await this.byName(name)) ?? this.create(name, opts);
  }

  async setAdmin(id: number, admin: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ admin: admin ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  async rename(id: number, name: string): Promise<void> {
    await this.db.updateTable('users').set({ name }).where('id', '=', id).execute();
  }

  async setAuthState(id: number, state: Record<string, unknown> | null): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        auth_state: state
          ? this.codec
            ? this.codec.encode(JSON.stringify(state))
            : JSON.stringify(state)
          : null,
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: number): Promise<void> {
    this.totalCache = null;
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  /** Move last_activity forward only (never backwards). */
  async touch(id: number, when: Date): Promise<void> {
    const iso = when.toISOString();
    await this.db
      .updateTable('users')
      .set({ last_activity: iso })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', iso)]))
      .execute();
  }

  /** Users active since `since` (indexed on last_activity). */
  async countActiveSince(since: Date): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('last_activity', '>=', since.toISOString())
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * `count(*)` of all users, remembered for a few seconds: SQLite counts by scanning an index,
   * which would make every unfiltered list request O(total users). This process writes users
   * (create/delete reset it); the expiry bounds staleness from other writers (e.g. `labhub token`).
   */
  private totalCache: { n: number; at: number } | null = null;
  private static readonly TOTAL_TTL_MS = 5000;

  private async totalUsers(): Promise<number> {
    const c = this.totalCache;
    if (c && Date.now() - c.at < UserRepo.TOTAL_TTL_MS) return c.n;
    const n = await this.count();
    this.totalCache = { n, at: Date.now() };
    return n;
  }

  /** One page of users, filtered and sorted in SQL (user-list.ts). */
  list(
    q: UserListQuery,
    restrict?: ListRestriction,
  ): Promise<{ users: ListedUser[]; total: number }> {
    return listUsers(this.db, this.shapes, () => this.totalUsers(), q, restrict);
  }

  /** Whether a page needs its role and group queries (user-list.ts). */
  pageExtrasNeeded(): Promise<{ roles: boolean; groups: boolean }> {
    return pageExtrasNeeded(this.db, this.shapes);
  }

  /** A page's servers by one id range, or null when its ids are spread out (user-list.ts). */
  pageServersInRange(ids: readonly number[]): Promise<Map<number, ListedServer[]> | null> {
    return serversInIdRange(this.db, this.shapes, ids);
  }
}
