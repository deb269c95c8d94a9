import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import type { Principal } from '../../core/rbac/permissions.js';
import { filterGroupModel } from '../../core/rbac/model-filter.js';
import type { Group, User } from '../../db/index.js';
import { HubError } from '../../errors.js';
import { checkGroupName } from '../../core/groups.js';
import { requireScope } from '../guard.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { jsonBody, param } from './params.js';
import { route, type AnyRoute } from './route.js';
import { groupListRestriction, holdsUnfiltered, requireEachUser } from './restrict.js';

/** The Group model (§4.3) before vertical filtering. */
export async function groupModel(
  ctx: HubContext,
  g: Group,
  members?: string[],
): Promise<JsonObject> {
  const v = await ctx.groups.view(g, members);
  return {
    kind: 'group',
    name: g.name,
    users: v.users,
    properties: g.properties,
    roles: v.roles,
  };
}

export function groupOr404(ctx: HubContext, name: string): Promise<Group> {
  return ctx.groups.get(name);
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
export function groupRoutes(ctx: HubContext): AnyRoute[] {
  const group = (req: FastifyRequest) => ({ group: param(req, 'name') });

  const view = async (p: Principal, model: JsonObject): Promise<JsonObject | null> =>
    filterGroupModel(model, p.scopes, await ctx.permissions.groupsOf([]));

  const list = route({
    method: 'GET',
    url: '/groups',
    scopes: ['list:groups'],
    handler: async (req, reply, { principal: p }) => {
      const paginated = wantsPagination(req);
      const { offset, limit } = pageParams(ctx, req, paginated);
      const { groups, members, total } = await ctx.groups.list(
        offset,
        limit,
        groupListRestriction(p),
      );
      const items: JsonObject[] = [];
      for (const g of groups) {
        const m = await view(p, await groupModel(ctx, g, members.get(g.id) ?? []));
        if (m) items.push(m);
      }
      if (!paginated) return items;
      reply.header('Content-Type', 'application/json');
      return { items, _pagination: paginationInfo(req, offset, limit, total) };
    },
  });

  const createMany = route({
    method: 'POST',
    url: '/groups',
    scopes: ['admin:groups'],
    handler: async (req, reply, { principal: p }) => {
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
      for (const n of unique) await requireScope(ctx, p, ['admin:groups'], { group: n });
      const users = await ctx.groups.existingUsers(body.users, false);
      await checkMayAddMembers(ctx, p, users);
      const out: JsonObject[] = [];
      for (const g of await ctx.groups.create(unique, users)) out.push(await groupModel(ctx, g));
      return reply.code(201).send(out);
    },
  });

  const getOne = route({
    method: 'GET',
    url: '/groups/:name',
    scopes: ['read:groups', 'read:groups:name', 'read:roles:groups'],
    resource: group,
    handler: async (req, _reply, { principal: p }) => {
      const name = param(req, 'name');
      const g = await groupOr404(ctx, name);
      return view(p, await groupModel(ctx, g));
    },
  });

  const createOne = route({
    method: 'POST',
    url: '/groups/:name',
    scopes: ['admin:groups'],
    resource: group,
    handler: async (req, reply, { principal: p }) => {
      const name = param(req, 'name');
      checkGroupName(name);
      await ctx.groups.checkNoneExist([name]);
      const users = await ctx.groups.existingUsers(jsonBody(req).users, false);
      await checkMayAddMembers(ctx, p, users);
      const [g] = await ctx.groups.create([name], users);
      return reply.code(201).send(await groupModel(ctx, g!));
    },
  });

  const remove = route({
    method: 'DELETE',
    url: '/groups/:name',
    scopes: ['delete:groups'],
    resource: group,
    handler: async (req, reply) => {
      const name = param(req, 'name');
      const g = await groupOr404(ctx, name);
      await ctx.groups.delete(g);
      return reply.code(204).send();
    },
  });

  const members = async (req: FastifyRequest, p: Principal, add: boolean) => {
    const name = param(req, 'name');
    const g = await groupOr404(ctx, name);
    const users = await ctx.groups.existingUsers(jsonBody(req).users, true);
    if (add) {
      await checkMayAddMembers(ctx, p, users);
      await ctx.groups.addMembers(g, users);
    } else {
      await ctx.groups.removeMembers(g, users);
    }
    return groupModel(ctx, g);
  };
  const membership = (method: 'POST' | 'DELETE', add: boolean) =>
    route({
      method,
      url: '/groups/:name/users',
      scopes: ['groups'],
      resource: group,
      handler: (req, _reply, { principal }) => members(req, principal, add),
    });

  const properties = route({
    method: 'PUT',
    url: '/groups/:name/properties',
    scopes: ['groups'],
    resource: group,
    handler: async (req) => {
      const g = await groupOr404(ctx, param(req, 'name'));
      return groupModel(ctx, await ctx.groups.setProperties(g, req.body));
    },
  });
  return [
    list,
    createMany,
    getOne,
    createOne,
    remove,
    membership('POST', true),
    membership('DELETE', false),
    properties,
  ];
}
