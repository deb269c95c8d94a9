import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../core/json.js';
import type { Principal } from '../../core/permissions.js';
import { filterGroupModel } from '../../core/model-filter.js';
import type { Group, User } from '../../db/index.js';
import { HubError } from '../../errors.js';
import { requireApi } from '../guard.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { jsonBody, param } from './params.js';
import { groupListRestriction, holdsUnfiltered, requireEachUser } from './restrict.js';

/** Group names: printable, no slashes (they appear in URL paths and scope filters). */
const GROUP_NAME_RE = /^[^/!\s][^/!]{0,254}$/;

/** The Group model (§4.3) before vertical filtering. */
export async function groupModel(
  ctx: HubContext,
  g: Group,
  members?: string[],
): Promise<JsonObject> {
  return {
    kind: 'group',
    name: g.name,
    users: members ?? (await ctx.store.groups.memberNames(g.id)),
    properties: g.properties,
    roles: await ctx.store.roles.rolesOf('group', g.id),
  };
}

export async function groupOr404(ctx: HubContext, name: string): Promise<Group> {
  const g = await ctx.store.groups.byName(name);
  if (!g) throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such group: ${name.slice(0, 64)}`);
  return g;
}

/** `{"users": [names]}` → existing users; 400 when missing, not a list, or naming unknown users. */
async function usersFromBody(
  ctx: HubContext,
  body: Record<string, unknown>,
  required: boolean,
): Promise<User[]> {
  const names = body.users;
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
  const found = await ctx.store.users.byNames(unique);
  const missing = unique.filter((n) => !found.some((u) => u.name === n));
  if (missing.length)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `Unknown users: ${missing.slice(0, 10).join(', ')}. Create them first (POST /hub/api/users).`,
    );
  return found;
}

function checkGroupName(name: string): void {
  if (!GROUP_NAME_RE.test(name))
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `Invalid group name '${name.slice(0, 64)}': use 1–255 characters without '/' or '!', not starting with a space`,
    );
}

/**
 * Adding users through a filtered group scope (`groups!group=x`) would let the caller pull any
 * user into x and then manage them with `…!group=x` scopes (GHSA-69wv-m5fw-2fhp): such callers may
 * only add users their `users` scope already covers.
 */
async function checkMayAddMembers(ctx: HubContext, p: Principal, users: User[]): Promise<void> {
  if (!users.length || holdsUnfiltered(p, 'groups')) return;
  await requireEachUser(
    ctx,
    p,
    ['users'],
    users.map((u) => u.name),
    'add to a group',
  );
}

/** Groups collection and items, membership and properties (§4.5). */
export function registerGroupRoutes(app: FastifyInstance, ctx: HubContext): void {
  const api = `${ctx.settings.hubPrefix}api`;

  const view = async (p: Principal, model: JsonObject): Promise<JsonObject | null> =>
    filterGroupModel(model, p.scopes, await ctx.permissions.groupsOf([]));

  app.get(`${api}/groups`, async (req, reply) => {
    const p = await requireApi(ctx, req, ['list:groups']);
    const paginated = wantsPagination(req);
    const { offset, limit } = pageParams(ctx, req, paginated);
    const { groups, total } = await ctx.store.scopedLists.groups(
      offset,
      limit,
      groupListRestriction(p),
    );
    const members = await ctx.store.scopedLists.memberNamesOfGroups(groups.map((g) => g.id));
    const items: JsonObject[] = [];
    for (const g of groups) {
      const m = await view(p, await groupModel(ctx, g, members.get(g.id) ?? []));
      if (m) items.push(m);
    }
    if (!paginated) return items;
    reply.header('Content-Type', 'application/json');
    return { items, _pagination: paginationInfo(req, offset, limit, total) };
  });

  app.post(`${api}/groups`, async (req, reply) => {
    const p = await requireApi(ctx, req, ['admin:groups']);
    const body = jsonBody(req);
    const names = body.groups;
    if (!Array.isArray(names) || !names.length || !names.every((n) => typeof n === 'string'))
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'Must specify at least one group to create: {"groups": ["name", ...], "users": [...]}',
      );
    const unique = [...new Set(names as string[])];
    unique.forEach(checkGroupName);
    // A filtered admin:groups may only create the groups it names (GHSA-69wv-m5fw-2fhp).
    for (const n of unique) await requireApi(ctx, req, ['admin:groups'], { group: n });
    const users = await usersFromBody(ctx, body, false);
    await checkMayAddMembers(ctx, p, users);
    for (const n of unique)
      if (await ctx.store.groups.byName(n))
        throw new HubError('LABHUB_ERR_CONFLICT', 409, `Group ${n} already exists`);
    const out: JsonObject[] = [];
    for (const n of unique) {
      const g = await ctx.store.groups.create(n);
      for (const u of users) await ctx.store.groups.addMember(g.id, u.id);
      out.push(await groupModel(ctx, g));
    }
    return reply.code(201).send(out);
  });

  app.get(`${api}/groups/:name`, async (req) => {
    const name = param(req, 'name');
    const p = await requireApi(ctx, req, ['read:groups', 'read:groups:name', 'read:roles:groups'], {
      group: name,
    });
    const g = await groupOr404(ctx, name);
    return view(p, await groupModel(ctx, g));
  });

  app.post(`${api}/groups/:name`, async (req, reply) => {
    const name = param(req, 'name');
    const p = await requireApi(ctx, req, ['admin:groups'], { group: name });
    checkGroupName(name);
    if (await ctx.store.groups.byName(name))
      throw new HubError('LABHUB_ERR_CONFLICT', 409, `Group ${name} already exists`);
    const users = await usersFromBody(ctx, jsonBody(req), false);
    await checkMayAddMembers(ctx, p, users);
    const g = await ctx.store.groups.create(name);
    for (const u of users) await ctx.store.groups.addMember(g.id, u.id);
    return reply.code(201).send(await groupModel(ctx, g));
  });

  app.delete(`${api}/groups/:name`, async (req, reply) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['delete:groups'], { group: name });
    const g = await groupOr404(ctx, name);
    await ctx.store.groups.delete(g.id);
    return reply.code(204).send();
  });

  const members = async (req: FastifyRequest, add: boolean) => {
    const name = param(req, 'name');
    const p = await requireApi(ctx, req, ['groups'], { group: name });
    const g = await groupOr404(ctx, name);
    const users = await usersFromBody(ctx, jsonBody(req), true);
    if (add) {
      await checkMayAddMembers(ctx, p, users);
      for (const u of users) await ctx.store.groups.addMember(g.id, u.id);
    } else {
      for (const u of users) await ctx.store.groups.removeMember(g.id, u.id);
    }
    return groupModel(ctx, g);
  };
  app.post(`${api}/groups/:name/users`, (req) => members(req, true));
  app.delete(`${api}/groups/:name/users`, (req) => members(req, false));

  app.put(`${api}/groups/:name/properties`, async (req) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['groups'], { group: name });
    const g = await groupOr404(ctx, name);
    const b = req.body;
    if (b === null || typeof b !== 'object' || Array.isArray(b))
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Group properties must be a JSON object, got ${Array.isArray(b) ? 'a list' : b === null || b === undefined ? 'nothing' : typeof b}`,
      );
    await ctx.store.groups.setProperties(g.id, b as JsonObject);
    return groupModel(ctx, { ...g, properties: b as JsonObject });
  });
}
