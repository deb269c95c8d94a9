import type { UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';
import type { Database } from './schema.js';
import { isoNow } from './time.js';
import type { JsonObject } from '../util/json.js';

export type { ActiveServer, ServerPatch, ServerRecord, ServerStatus } from './server-record.js';
import {
  toRecord,
  type ActiveServer,
  type Row,
  type ServerPatch,
  type ServerRecord,
  type ServerStatus,
} from './server-record.js';

/**
 * A server as a user listing shows it (the model's fields): what {@link ServerRepo.forUsers}
 * reads. Timestamps as stored (ISO text), formatted for the wire without a Date in between.
 */
export type ListedServer = Pick<
  ServerRecord,
  'userId' | 'name' | 'displayName' | 'status' | 'state' | 'userOptions'
> & { started: string | null; lastActivity: string | null };

/** The columns a {@link ListedServer} is made of: a listing reads only these. */
export const LISTED_SERVER_COLUMNS = [
  'user_id',
  'name',
  'display_name',
  'status',
  'state',
  'user_options',
  'started',
  'last_activity',
] as const;

/** The listed servers of `rows` by user (only those of `onPage` when given). */
export function listedServersByUser(
  rows: Array<{
    user_id: number;
    name: string;
    display_name: string | null;
    status: string;
    state: string;
    user_options: string;
    started: string | null;
    last_activity: string | null;
  }>,
  onPage: readonly number[] | null = null,
): Map<number, ListedServer[]> {
  const out = new Map<number, ListedServer[]>();
  const keep = onPage && new Set(onPage);
  for (const r of rows) {
    if (keep && !keep.has(r.user_id)) continue;
    const rec: ListedServer = {
      userId: r.user_id,
      name: r.name,
      displayName: r.display_name,
      status: r.status as ServerStatus,
      state: JSON.parse(r.state) as JsonObject,
      userOptions: JSON.parse(r.user_options) as JsonObject,
      started: r.started,
      lastActivity: r.last_activity,
    };
    const list = out.get(rec.userId);
    if (list) list.push(rec);
    else out.set(rec.userId, [rec]);
  }
  return out;
}

/** Servers repository. Startup and periodic checks only read rows with status != 'stopped' (indexed). */
export class ServerRepo {
  /** The per-page queries, compiled once per page size. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  async get(userId: number, name: string): Promise<ServerRecord | null> {
    const [r] = await this.shapes.run('get', [userId, name], (slot) =>
      this.db
        .selectFrom('servers')
        .selectAll()
        .where('user_id', '=', slot(0))
        .where('name', '=', slot(1)),
    );
    return r ? toRecord(r) : null;
  }

  async byId(id: number): Promise<ServerRecord | null> {
    const [r] = await this.shapes.run('byId', [id], (slot) =>
      this.db.selectFrom('servers').selectAll().where('id', '=', slot(0)),
    );
    return r ? toRecord(r) : null;
  }

  /**
   * `UPDATE servers SET <set> WHERE id = ? <and more>` compiled once per `kind` and set of
   * columns (the spawn and stop path's writes); `more` adds conditions on its own slots, which
   * start after the SET list's and the id's. True when a row changed.
   */
  private async updateWhere(
    kind: string,
    set: Partial<Row>,
    id: number,
    more: readonly unknown[],
    where: (
      qb: UpdateQueryBuilder<Database, 'servers', 'servers', UpdateResult>,
      slot: (i: number) => never,
    ) => UpdateQueryBuilder<Database, 'servers', 'servers', UpdateResult>,
  ): Promise<boolean> {
    const cols = Object.keys(set) as Array<keyof Row>;
    if (!cols.length) throw new Error('servers update: nothing to set');
    const values = [...cols.map((c) => set[c]), id, ...more];
    const r = await this.shapes.exec(`${kind}:${cols.join(',')}`, values, (slot) =>
      where(
        this.db
          .updateTable('servers')
          .set(Object.fromEntries(cols.map((c, i) => [c, slot(i)])))
          .where('id', '=', slot(cols.length)),
        (i) => slot(cols.length + 1 + i),
      ),
    );
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  /** The row, created (stopped) if missing; `known`: the caller's own read of it, if any. */
  async ensure(userId: number, name: string, known?: ServerRecord | null): Promise<ServerRecord> {
    const existing = known !== undefined ? known : await this.get(userId, name);
    if (existing) return existing;
    const created = await this.insertNew(userId, name, null);
    if (created) return created;
    const now = await this.get(userId, name);
    if (!now) throw new Error(`server ${userId}/${name} vanished while being created`);
    return now;
  }

  /**
   * A start's claim of a server that has no row yet: the row is created `spawning`, owned by
   * `owner` (one statement, not an insert and then {@link claimForSpawn}). Null when the row
   * exists by now (another request or replica created it): claim that one as usual.
   */
  createClaimed(
    userId: number,
    name: string,
    owner: string,
    p: { started: Date; userOptions: JsonObject },
  ): Promise<ServerRecord | null> {
    const claim = { owner, started: p.started.toISOString(), userOptions: p.userOptions };
    return this.insertNew(userId, name, claim);
  }

  private async insertNew(
    userId: number,
    name: string,
    claim: { owner: string; started: string; userOptions: JsonObject } | null,
  ): Promise<ServerRecord | null> {
    const values = [
      userId,
      name,
      claim ? 'spawning' : 'stopped',
      claim?.owner ?? null,
      claim?.started ?? null,
      claim ? JSON.stringify(claim.userOptions) : '{}',
    ];
    const [r] = await this.shapes.run('insertNew', values, (slot) =>
      this.db
        .insertInto('servers')
        .values({
          user_id: slot(0),
          name: slot(1),
          display_name: null,
          status: slot(2),
          owner_replica: slot(3),
          target: null,
          state: '{}',
          user_options: slot(5),
          started: slot(4),
          last_activity: null,
          last_error: null,
          server_version: null,
        })
        // Another replica (or request) may insert the same row at once: keep theirs.
        .onConflict((oc) => oc.columns(['user_id', 'name']).doNothing())
        .returningAll(),
    );
    return r ? toRecord(r) : null;
  }

  /**
   * Compare-and-set for a start: `stopped → spawning`, owned by `owner`. True when this call
   * changed the row (exactly one of any number of concurrent starts, on any replica).
   */
  async claimForSpawn(id: number, owner: string, p: ServerPatch): Promise<boolean> {
    return this.updateWhere(
      'claimForSpawn',
      { ...this.patchRow(p), status: 'spawning', owner_replica: owner },
      id,
      [],
      (qb) => qb.where('status', '=', 'stopped'),
    );
  }

  /** The spawn's last step: `spawning → running`, only if no stop arrived and `owner` still owns it. */
  async finishSpawn(id: number, owner: string, p: ServerPatch): Promise<boolean> {
    return this.updateWhere(
      'finishSpawn',
      { ...this.patchRow(p), status: 'running' },
      id,
      [owner],
      (qb, slot) => qb.where('status', '=', 'spawning').where('owner_replica', '=', slot(0)),
    );
  }

  /**
   * Compare-and-set for a stop: `from → stopping`. With `owner`, the caller also takes the
   * server over (it will do the stop). True when this call changed the row.
   */
  async claimForStop(id: number, from: 'running' | 'spawning', owner?: string): Promise<boolean> {
    return this.updateWhere(
      'claimForStop',
      owner ? { status: 'stopping', owner_replica: owner } : { status: 'stopping' },
      id,
      [from],
      (qb, slot) => qb.where('status', '=', slot(0)),
    );
  }

  /** Take over an active server from `from` (a dead replica, or null); true for exactly one caller. */
  async claimOwner(id: number, from: string | null, owner: string): Promise<boolean> {
    const r = await this.db
      .updateTable('servers')
      .set({ owner_replica: owner })
      .where('id', '=', id)
      .where('status', '!=', 'stopped')
      .where((eb) =>
        from === null ? eb('owner_replica', 'is', null) : eb('owner_replica', '=', from),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * {@link claimOwner} for many servers of the same previous owner, in one statement per 500:
   * the ids this call took over (compare-and-set on each row, as claimOwner).
   */
  async claimOwners(
    ids: readonly number[],
    from: string | null,
    owner: string,
  ): Promise<Set<number>> {
    const won = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .updateTable('servers')
        .set({ owner_replica: owner })
        .where('id', 'in', ids.slice(i, i + 500))
        .where('status', '!=', 'stopped')
        .where((eb) =>
          from === null ? eb('owner_replica', 'is', null) : eb('owner_replica', '=', from),
        )
        .returning('id')
        .execute();
      for (const r of rows) won.add(r.id);
    }
    return won;
  }

  /** Active servers whose owner is not among `liveReplicas` (dead replica, or none). */
  async orphaned(liveReplicas: string[]): Promise<ActiveServer[]> {
    const live = new Set(liveReplicas);
    return (await this.active()).filter((a) => !a.ownerReplica || !live.has(a.ownerReplica));
  }

  async forUser(userId: number): Promise<ServerRecord[]> {
    const rows = await this.db
      .selectFrom('servers')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('name')
      .execute();
    return rows.map(toRecord);
  }

  /** Servers of many users at once (one query, the listed columns only), for list pages. */
  async forUsers(userIds: number[]): Promise<Map<number, ListedServer[]>> {
    if (!userIds.length) return new Map();
    const rows = await this.shapes.run(`servers.forUsers:${userIds.length}`, userIds, (slot) =>
      this.db
        .selectFrom('servers')
        .select(LISTED_SERVER_COLUMNS)
        .where(
          'user_id',
          'in',
          Array.from(userIds, (_, i) => slot(i)),
        )
        .orderBy('name'),
    );
    return listedServersByUser(rows);
  }

  /** Every non-stopped server, with its owner's name. Cost follows running servers, not users. */
  async active(): Promise<ActiveServer[]> {
    const rows = await this.db
      .selectFrom('servers')
      .innerJoin('users', 'users.id', 'servers.user_id')
      .selectAll('servers')
      .select('users.name as user_name')
      .where('servers.status', '!=', 'stopped')
      .execute();
    return rows.map((r) => ({ ...toRecord(r), userName: r.user_name }));
  }

  /** The most recent failed spawns (partial index on started where last_error is set). */
  async recentFailures(limit: number): Promise<Array<ServerRecord & { userName: string }>> {
    const rows = await this.db
      .selectFrom('servers')
      .innerJoin('users', 'users.id', 'servers.user_id')
      .selectAll('servers')
      .select('users.name as user_name')
      .where('servers.last_error', 'is not', null)
      .orderBy('servers.started', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toRecord(r), userName: r.user_name }));
  }

  /** Spawns in progress, on every hub replica (JupyterHub.concurrent_spawn_limit). */
  async countSpawning(): Promise<number> {
    const r = await this.db
      .selectFrom('servers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'spawning')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async countActive(): Promise<number> {
    const r = await this.db
      .selectFrom('servers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '!=', 'stopped')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(id: number, p: ServerPatch): Promise<void> {
    const set = this.patchRow(p);
    if (Object.keys(set).length) await this.updateWhere('update', set, id, [], (qb) => qb);
  }

  /**
   * {@link update}, only while `owner` owns the row (or no one does: rows from before migration
   * 007). False when another replica took it over (this one was declared dead meanwhile).
   */
  async updateIfOwner(id: number, owner: string, p: ServerPatch): Promise<boolean> {
    return this.updateWhere('updateIfOwner', this.patchRow(p), id, [owner], (qb, slot) =>
      qb.where((eb) => eb.or([eb('owner_replica', '=', slot(0)), eb('owner_replica', 'is', null)])),
    );
  }

  private patchRow(p: ServerPatch): Partial<Row> {
    const set: Partial<Row> = {};
    if (p.status !== undefined) set.status = p.status;
    if (p.target !== undefined) set.target = p.target;
    if (p.state !== undefined) set.state = JSON.stringify(p.state);
    if (p.userOptions !== undefined) set.user_options = JSON.stringify(p.userOptions);
    if (p.started !== undefined) set.started = p.started ? p.started.toISOString() : null;
    if (p.lastError !== undefined) set.last_error = p.lastError;
    if (p.serverVersion !== undefined) set.server_version = p.serverVersion;
    if (p.displayName !== undefined) set.display_name = p.displayName;
    if (p.name !== undefined) set.name = p.name;
    return set;
  }

  /** Move last_activity forward only. */
  async touch(id: number, when: Date): Promise<void> {
    const iso = when.toISOString();
    await this.db
      .updateTable('servers')
      .set({ last_activity: iso })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', iso)]))
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('servers').where('id', '=', id).execute();
  }

  now(): string {
    return isoNow();
  }
}
