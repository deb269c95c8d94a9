import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';

export interface RoleRecord {
  id: number;
  name: string;
  description: string;
  scopes: string[];
}
export type RoleEntityKind = 'user' | 'group' | 'service';

/** Roles and their assignments to users (by id), groups (by id) and services (by name). */
export class RoleRepo {
  /** The scope computation's reads (every start, every stale cached scope set), compiled once. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  async upsert(name: string, description: string, scopes: string[]): Promise<RoleRecord> {
    await this.db
      .insertInto('roles')
      .values({ name, description, scopes: JSON.stringify(scopes) })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ description, scopes: JSON.stringify(scopes) }),
      )
      .execute();
    return (await this.byName(name))!;
  }

  async byName(name: string): Promise<RoleRecord | null> {
    const r = await this.db
      .selectFrom('roles')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r
      ? { id: r.id, name: r.name, description: r.description, scopes: JSON.parse(r.scopes) }
      : null;
  }

  async all(): Promise<RoleRecord[]> {
    const rows = await this.db.selectFrom('roles').selectAll().orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      scopes: JSON.parse(r.scopes),
    }));
  }

  async assign(roleId: number, kind: RoleEntityKind, entity: string | number): Promise<void> {
    await this.db
      .insertInto('role_map')
      .values({ role_id: roleId, kind, entity: String(entity) })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async unassign(roleId: number, kind: RoleEntityKind, entity: string | number): Promise<void> {
    await this.db
      .deleteFrom('role_map')
      .where('role_id', '=', roleId)
      .where('kind', '=', kind)
      .where('entity', '=', String(entity))
      .execute();
  }

  async rolesOf(kind: RoleEntityKind, entity: string | number): Promise<string[]> {
    const rows = await this.shapes.run('rolesOf', [kind, String(entity)], (slot) =>
      this.db
        .selectFrom('role_map')
        .innerJoin('roles', 'roles.id', 'role_map.role_id')
        .select('roles.name')
        .where('kind', '=', slot(0))
        .where('entity', '=', slot(1))
        .orderBy('roles.name'),
    );
    return rows.map((r) => r.name);
  }

  /** Roles of a user's groups. */
  async groupRolesOfUser(userId: number): Promise<string[]> {
    const rows = await this.shapes.run('groupRolesOfUser', [userId], (slot) =>
      this.db
        .selectFrom('user_group_map')
        .innerJoin('role_map', (j) => j.on('role_map.kind', '=', 'group'))
        .innerJoin('roles', 'roles.id', 'role_map.role_id')
        .select('roles.name')
        .where('user_group_map.user_id', '=', slot(0))
        .whereRef('role_map.entity', '=', (eb) => eb.cast('user_group_map.group_id', 'text'))
        .distinct(),
    );
    return rows.map((r) => r.name);
  }
}
