/**
 * Groups of users, for the REST API and the hub's start (load_groups): the group name rule,
 * creation (409 when one exists), deletion, membership (only existing users) and properties.
 * Who may do what is decided by the caller (scopes); these are the rules whoever calls.
 */
import type { Group, Store, User } from '../db/index.js';
import { HubError } from '../errors.js';
import type { JsonObject } from '../util/json.js';

/** Group names: printable, no slashes (they appear in URL paths and scope filters). */
const GROUP_NAME_RE = /^[^/!\s][^/!]{0,254}$/;

/** Throws 400 when `name` cannot be a group name. */
export function checkGroupName(name: string): void {
  if (!GROUP_NAME_RE.test(name))
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `Invalid group name '${name.slice(0, 64)}': use 1–255 characters without '/' or '!', not starting with a space`,
    );
}

export interface GroupServiceDeps {
  groups: Store['groups'];
  users: Store['users'];
  roles: Store['roles'];
}

/** A group with its member names and roles, as the API shows it. */
export interface GroupView {
  group: Group;
  users: string[];
  roles: string[];
}

export class GroupService {
  constructor(private readonly d: GroupServiceDeps) {}

  /** The group, or 404. */
  async get(name: string): Promise<Group> {
    const g = await this.d.groups.byName(name);
    if (!g) throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such group: ${name.slice(0, 64)}`);
    return g;
  }

  /** One page of groups (only those named in `only`, when given) with their member names. */
  async list(
    offset: number,
    limit: number,
    only?: readonly string[],
  ): Promise<{ groups: Group[]; members: Map<number, string[]>; total: number }> {
    const { groups, total } = await this.d.groups.list(offset, limit, only);
    const members = await this.d.groups.memberNamesOfGroups(groups.map((g) => g.id));
    return { groups, members, total };
  }

  /** Members (names; `members` when the caller already has them) and roles of a group. */
  async view(g: Group, members?: string[]): Promise<GroupView> {
    return {
      group: g,
      users: members ?? (await this.d.groups.memberNames(g.id)),
      roles: await this.d.roles.rolesOf('group', g.id),
    };
  }

  /**
   * The existing users named in a request; 400 naming the unknown ones. `names` must be a list
   * of strings (non-empty when `required`); undefined is no users unless `required`.
   */
  async existingUsers(names: unknown, required: boolean): Promise<User[]> {
    if (names === undefined && !required) return [];
    if (
      !Array.isArray(names) ||
      !names.every((n) => typeof n === 'string') ||
      (required && !names.length)
    ) {
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'Must specify users: expected {"users": ["name", ...]}',
      );
    }
    const unique = [...new Set(names as string[])];
    const found = await this.d.users.byNames(unique);
    const missing = unique.filter((n) => !found.some((u) => u.name === n));
    if (missing.length)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Unknown users: ${missing.slice(0, 10).join(', ')}. Create them first (POST /hub/api/users).`,
      );
    return found;
  }

  /** 409 when any of the groups exists already. */
  async checkNoneExist(names: readonly string[]): Promise<void> {
    for (const n of names)
      if (await this.d.groups.byName(n))
        throw new HubError('LABHUB_ERR_CONFLICT', 409, `Group ${n} already exists`);
  }

  /** New groups (names checked, none may exist: 409), each with `members`. */
  async create(names: readonly string[], members: readonly User[] = []): Promise<Group[]> {
    names.forEach(checkGroupName);
    await this.checkNoneExist(names);
    const out: Group[] = [];
    for (const n of names) {
      const g = await this.d.groups.create(n);
      await this.addMembers(g, members);
      out.push(g);
    }
    return out;
  }

  async delete(g: Group): Promise<void> {
    await this.d.groups.delete(g.id);
  }

  async addMembers(g: Group, users: readonly User[]): Promise<void> {
    for (const u of users) await this.d.groups.addMember(g.id, u.id);
  }

  async removeMembers(g: Group, users: readonly User[]): Promise<void> {
    for (const u of users) await this.d.groups.removeMember(g.id, u.id);
  }

  /** Replace the group's properties: a JSON object, else 400. */
  async setProperties(g: Group, properties: unknown): Promise<Group> {
    const b = properties;
    if (b === null || typeof b !== 'object' || Array.isArray(b))
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Group properties must be a JSON object, got ${Array.isArray(b) ? 'a list' : b === null || b === undefined ? 'nothing' : typeof b}`,
      );
    await this.d.groups.setProperties(g.id, b as JsonObject);
    return { ...g, properties: b as JsonObject };
  }
}
