import { sql } from 'kysely';
import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';
import type { JsonObject } from '../util/json.js';

export interface Group {
  id: number;
  name: string;
  properties: JsonObject;
}

/** Groups and memberships. */
export class GroupRepo {
  /** The per-page query, compiled once per page size. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  async byName(name: string): Promise<Group | null> {
    const r = await this.db
      .selectFrom('groups')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? { id: r.id, name: r.name, properties: JSON.parse(r.properties) } : null;
  }

  async create(name: string, properties: JsonObject = {}): Promise<Group> {
    const r = await this.db
      .insertInto('groups')
      .values({ name, properties: JSON.stringify(properties) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { id: r.id, name: r.name, properties: JSON.parse(r.properties) };
  }

  async ensure(name: string): Promise<Group> {
    return (await this.byName(name)) ?? this.create(name);
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('groups').where('id', '=', id).execute();
  }

  async setProperties(id: number, properties: JsonObject): Promise<void> {
    await this.db
      .updateTable('groups')
      .set({ properties: JSON.stringify(properties) })
      .where('id', '=', id)
      .execute();
  }

  /**
   * One page of groups (by id); with `only`, restricted in SQL to the named groups (what a
   * filtered `list:groups!group=x` scope covers).
   */
  async list(
    offset: number,
    limit: number,
    only?: readonly string[],
  ): Promise<{ groups: Group[]; total: number }> {
    let base = this.db.selectFrom('groups');
    if (only)
      base = only.length ? base.where('name', 'in', [...only]) : base.where(sql<boolean>`1 = 0`);
    const total = await base
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('id').offset(offset).limit(limit).execute();
    return {
      groups: rows.map((r) => ({ id: r.id, name: r.name, properties: JSON.parse(r.properties) })),
      total: Number(total.n),
    };
  }

  /** Members of many groups in one query. */
  async memberNamesOfGroups(groupIds: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (!groupIds.length) return out;
    const rows = await this.db
      .selectFrom('user_group_map')
      .innerJoin('users', 'users.id', 'user_group_map.user_id')
      .select(['user_group_map.group_id', 'users.name'])
      .where('group_id', 'in', groupIds)
      .orderBy('users.name')
      .execute();
    for (const r of rows) out.set(r.group_id, [...(out.get(r.group_id) ?? []), r.name]);
    return out;
  }

  async addMember(groupId: number, userId: number): Promise<void> {
    await this.db
      .insertInto('user_group_map')
      .values({ group_id: groupId, user_id: userId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async removeMember(groupId: number, userId: number): Promise<void> {
    await this.db
      .deleteFrom('user_group_map')
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .execute();
  }

  async memberNames(groupId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('user_group_map')
      .innerJoin('users', 'users.id', 'user_group_map.user_id')
      .select('users.name')
      .where('group_id', '=', groupId)
      .orderBy('users.name')
      .execute();
    return rows.map((r) => r.name);
  }

  async groupNamesOfUser(userId: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('user_group_map')
      .innerJoin('groups', 'groups.id', 'user_group_map.group_id')
      .select('groups.name')
      .where('user_id', '=', userId)
      .orderBy('groups.name')
      .execute();
    return rows.map((r) => r.name);
  }

  /** Group names for many users in one query. */
  async groupNamesOfUsers(userIds: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (!userIds.length) return out;
    // A hub without group members (one index seek) needs no probe per user of the page.
    if (userIds.length > 1) {
      const any = await this.shapes.run('groups.anyMember', [], () =>
        this.db.selectFrom('user_group_map').select('user_group_map.user_id').limit(1),
      );
      if (!any.length) return out;
    }
    const rows = await this.shapes.run(`groups.ofUsers:${userIds.length}`, userIds, (slot) =>
      this.db
        .selectFrom('user_group_map')
        .innerJoin('groups', 'groups.id', 'user_group_map.group_id')
        .select(['user_group_map.user_id', 'groups.name'])
        .where(
          'user_id',
          'in',
          Array.from(userIds, (_, i) => slot(i)),
        )
        .orderBy('groups.name'),
    );
    for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), r.name]);
    return out;
  }
}
