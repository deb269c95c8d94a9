import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import { userModelFilter, type UserModelFilter } from '../../core/rbac/model-filter.js';
import { mayModifyAdmin } from '../../core/rbac/scopes.js';
import type { Principal } from '../../core/rbac/permissions.js';
import type { ListedUser, User, UserSort } from '../../db/index.js';
import type { UserChanges } from '../../core/users.js';
import { HubError } from '../../errors.js';
import { requireScope } from '../guard.js';
import { userModel, userModelOf } from './models.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { jsonBody, param, userOr404 } from './params.js';
import { userListRestriction } from './restrict.js';
import { route, type AnyRoute } from './route.js';

const NO_USERNAMES = 'Must specify at least one user to create: {"usernames": ["name", ...]}';

/** The body of POST /users (and labhub's linux-users): `{usernames: [...], admin?: bool}`. */
export const CreateUsersBody = z
  .object({
    usernames: z
      .array(z.string({ error: NO_USERNAMES }), { error: NO_USERNAMES })
      .min(1, { error: NO_USERNAMES }),
    admin: z.boolean({ error: 'admin must be true or false' }).optional(),
  })
  .loose();

/**
 * The names of a bulk creation, normalised, once the principal may create each of them (a
 * filtered admin:users, e.g. !group=x, covers no new user: GHSA-69wv-m5fw-2fhp) and, with
 * `admin`, may grant admin.
 */
export async function authorizedNewUsers(
  ctx: HubContext,
  p: Principal,
  body: z.infer<typeof CreateUsersBody>,
): Promise<string[]> {
  const names = ctx.users.normalizeNames(body.usernames);
  for (const n of names) await requireScope(ctx, p, ['admin:users'], { user: n });
  requireAdminGrant(p, body.admin);
  return names;
}

/** Only admin users with unfiltered admin:users may create admins (CVE-2024-41942). */
function requireAdminGrant(p: Principal, admin: unknown): void {
  if (admin && !mayModifyAdmin(p.scopes, !!p.user?.admin))
    throw new HubError('LABHUB_ERR_FORBIDDEN', 403, 'Only admin users may create admin users.');
}

/** The models of users just created (no servers, groups or assigned roles yet). */
export async function newUserModels(ctx: HubContext, users: User[]): Promise<JsonObject[]> {
  const models: JsonObject[] = [];
  for (const user of users)
    models.push(
      await userModel(ctx, user, { servers: [], groups: [], roles: roleNames(user, []) }),
    );
  return models;
}

/** A user's role names as the API shows them: the default 'user', 'admin' for admins, and assigned roles. */
export function roleNames(user: { admin: boolean }, assigned: string[]): string[] {
  if (!assigned.length) return user.admin ? ['admin', 'user'] : ['user']; // most users
  const names = new Set(['user', ...assigned]);
  if (user.admin) names.add('admin');
  return [...names].sort();
}

function truthyParam(v: unknown): boolean {
  return v !== undefined && v !== '0' && v !== 'false';
}

/** Bound of a hub's remembered user texts (~250 bytes each, ~0.3 MB in all); emptied when full. */
const TEXTS_MAX = 1024;

/**
 * Bound of the ids of users listed once; emptied when full. A text is remembered from a user's
 * second listing on: a walk over all users (the idle culler's, a full export) lists each once,
 * and remembering those texts only made the garbage collector copy and promote them (a walk of
 * 10,000 users cost 2.5 × the CPU).
 */
const SEEN_MAX = 4096;

/**
 * The key of a listed user's JSON text when it depends on nothing else: a `plain` filter (its
 * answer follows the model alone) and a user without servers, groups or assigned roles, whose
 * model then follows the row's admin flag, timestamps and name (in that order, the name last,
 * so no two users share a key). Undefined for any other user: built each time.
 */
function plainKey(
  filter: UserModelFilter,
  user: ListedUser,
  servers: readonly unknown[] | undefined,
  groups: readonly string[] | undefined,
  roles: readonly string[] | undefined,
): string | undefined {
  if (filter.plain === undefined || servers?.length || groups?.length || roles?.length)
    return undefined;
  return `${filter.plain}\0${user.admin ? 1 : 0}\0${user.created}\0${user.lastActivity ?? ''}\0${user.name}`;
}

/** Users collection and items (§4.4, §4.5). Listing is one SQL page, never all users. */
export function userRoutes(ctx: HubContext): AnyRoute[] {
  /** JSON texts of listed users by {@link plainKey} (this app's, bounded). */
  const texts = new Map<string, string>();
  /** Ids of users listed at least once since {@link SEEN_MAX} was last reached. */
  const seen = new Set<number>();
  const named = (req: FastifyRequest) => ({ user: param(req, 'name') });

  /** Filter a model by the principal's scopes. */
  const view = async (p: Principal, user: { name: string }, model: JsonObject) => {
    const groupsOf = await ctx.permissions.groupsOf([user.name]);
    return userModelFilter(p.scopes, groupsOf)(model);
  };

  const list = route({
    method: 'GET',
    url: '/users',
    scopes: ['list:users'],
    handler: async (req, reply, { principal: p }) => {
      const q = req.query as Record<string, string | undefined>;
      const state = q.state;
      if (state !== undefined && !['active', 'ready', 'inactive'].includes(state))
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `Unrecognized state filter: '${state.slice(0, 32)}' (expected active, ready or inactive)`,
        );
      let sort: UserSort = 'id';
      let descending = false;
      if (q.sort) {
        descending = q.sort.startsWith('-');
        const key = q.sort.replace(/^-/, '');
        if (!['id', 'name', 'last_activity'].includes(key))
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            `Unrecognized sort: '${q.sort.slice(0, 32)}' (expected id, name or last_activity, optionally prefixed with -)`,
          );
        sort = key as UserSort;
      }
      const paginated = wantsPagination(req);
      const { offset, limit } = pageParams(ctx, req, paginated);
      // A filtered list:users (e.g. list:users!group=x) restricts the rows in SQL (O(page)).
      const restrict = userListRestriction(p);
      const { users, total, servers, groups, roles } = await ctx.users.list(
        {
          offset,
          limit,
          nameFilter: q.name_filter,
          sort,
          descending,
          state: state as 'active' | 'ready' | 'inactive' | undefined,
        },
        restrict,
      );
      const includeStopped = truthyParam(q.include_stopped_servers);
      // Only filtered scopes (e.g. !group=x) ask for a user's groups: made on the first question.
      let byName: Map<string, string[]> | undefined;
      const filter = userModelFilter(
        p.scopes,
        (name) =>
          (byName ??= new Map(users.map((u) => [u.name, groups.get(u.id) ?? []]))).get(name) ?? [],
      );
      // The answer as JSON text, one user at a time (what JSON.stringify of the whole answer
      // gives), each user's text from `texts` when it cannot differ from last time.
      const items: string[] = [];
      for (const user of users) {
        const own = servers.get(user.id);
        if (state === 'ready' && !own?.some((s) => s.status === 'running')) continue;
        const again = seen.has(user.id);
        if (!again) {
          if (seen.size >= SEEN_MAX) seen.clear();
          seen.add(user.id);
        }
        const key = again
          ? plainKey(filter, user, own, groups.get(user.id), roles.get(user.id))
          : undefined;
        const hit = key === undefined ? undefined : texts.get(key);
        if (hit !== undefined) {
          items.push(hit);
          continue;
        }
        // The listed models have no auth_state (ListedUser): nothing to delete.
        const model = filter(
          userModelOf(ctx, user, {
            servers: own ?? [],
            groups: groups.get(user.id) ?? [],
            roles: roleNames(user, roles.get(user.id) ?? []),
            includeStopped,
          }),
        );
        if (!model) continue;
        const text = JSON.stringify(model);
        if (key !== undefined) {
          if (texts.size >= TEXTS_MAX) texts.clear();
          texts.set(key, text);
        }
        items.push(text);
      }
      const list = `[${items.join(',')}]`;
      if (!paginated) {
        if (total > offset + limit)
          ctx.log.warn(`GET /users truncated to ${limit} of ${total}; use pagination`);
        reply.header('Content-Type', 'application/json; charset=utf-8');
        return list;
      }
      reply.header('Content-Type', 'application/json');
      return `{"items":${list},"_pagination":${JSON.stringify(paginationInfo(req, offset, limit, total))}}`;
    },
  });

  const getOne = route({
    method: 'GET',
    url: '/users/:name',
    scopes: [
      'read:users',
      'read:users:name',
      'read:servers',
      'read:users:groups',
      'read:users:activity',
      'read:roles:users',
    ],
    resource: named,
    handler: async (req, _reply, { principal: p }) => {
      const name = param(req, 'name');
      const user = await userOr404(ctx, name);
      const q = req.query as Record<string, string | undefined>;
      const model = await userModel(ctx, user, {
        includeStopped: truthyParam(q.include_stopped_servers),
      });
      return (await view(p, user, model)) ?? undefined; // as before: no body when nothing shows
    },
  });

  const createOne = route({
    method: 'POST',
    url: '/users/:name',
    scopes: ['admin:users'],
    resource: named,
    handler: async (req, reply, { principal: p }) => {
      const name = param(req, 'name');
      const body = jsonBody(req);
      requireAdminGrant(p, body.admin);
      const user = await ctx.users.createOne(name, { admin: !!body.admin });
      return reply.code(201).send(await userModel(ctx, user));
    },
  });

  const createMany = route({
    method: 'POST',
    url: '/users',
    scopes: ['admin:users'],
    body: CreateUsersBody,
    handler: async (_req, reply, { principal: p, body }) => {
      const names = await authorizedNewUsers(ctx, p, body);
      const { users } = await ctx.users.createMany(names, { admin: !!body.admin });
      return reply.code(201).send(await newUserModels(ctx, users));
    },
  });

  const update = route({
    method: 'PATCH',
    url: '/users/:name',
    scopes: ['admin:users'],
    resource: named,
    handler: async (req, _reply, { principal: p }) => {
      const name = param(req, 'name');
      const user = await userOr404(ctx, name);
      if (req.body === undefined || req.body === null || req.body === '')
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `PATCH /users/${name.slice(0, 64)} needs a JSON object body with name, admin and/or auth_state`,
        );
      const body = jsonBody(req);
      for (const k of Object.keys(body))
        if (!['name', 'admin', 'auth_state', 'groups', 'roles'].includes(k))
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            `Unknown user field '${k}' (allowed: name, admin, auth_state)`,
          );
      // JupyterHub type-checks groups/roles but does not apply them; labhub does the same.
      for (const k of ['groups', 'roles'])
        if (
          k in body &&
          (!Array.isArray(body[k]) || !(body[k] as unknown[]).every((x) => typeof x === 'string'))
        )
          throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${k} must be a list of names`);
      const mayAdmin = mayModifyAdmin(p.scopes, !!p.user?.admin);
      if ((user.admin || 'admin' in body) && !mayAdmin)
        throw new HubError(
          'LABHUB_ERR_FORBIDDEN',
          403,
          'Only admin users may modify admin users or grant admin.',
        );
      const changes: UserChanges = {};
      if ('admin' in body) {
        if (typeof body.admin !== 'boolean')
          throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'admin must be true or false');
        changes.admin = body.admin;
      }
      if ('name' in body) {
        if (typeof body.name !== 'string')
          throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'name must be a string');
        changes.name = body.name;
      }
      if ('auth_state' in body) {
        if (body.auth_state !== null && typeof body.auth_state !== 'object')
          throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'auth_state must be an object or null');
        changes.authState = body.auth_state as Record<string, unknown> | null;
      }
      return userModel(ctx, await ctx.users.update(user, changes));
    },
  });

  const remove = route({
    method: 'DELETE',
    url: '/users/:name',
    scopes: ['delete:users'],
    resource: named,
    handler: async (req, reply, { principal: p }) => {
      const name = param(req, 'name');
      const user = await userOr404(ctx, name);
      if (p.user?.id === user.id)
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'Cannot delete yourself!');
      if (user.admin && !mayModifyAdmin(p.scopes, !!p.user?.admin))
        throw new HubError('LABHUB_ERR_FORBIDDEN', 403, 'Only admin users may delete admin users.');
      await ctx.users.delete(user);
      return reply.code(204).send();
    },
  });
  return [list, getOne, createOne, createMany, update, remove];
}
