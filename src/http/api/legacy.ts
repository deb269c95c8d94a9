import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { filterServiceModel, filterUserModel } from '../../core/rbac/model-filter.js';
import { HubError } from '../../errors.js';
import { headerToken } from '../principal.js';
import { principalFromToken } from '../../core/principals.js';
import { userModel } from './models.js';
import { param } from './params.js';
import { route, type AnyRoute } from './route.js';
import { serviceModel } from './service-model.js';

/**
 * Deprecated endpoints that old clients still call (hub-protocol.md §3.7 and §4.5):
 * `/authorizations/token[/{token}]`, `/authorizations/cookie/{name}/{value}`, and
 * `POST /users/{name}/admin-access`.
 */
export function legacyRoutes(ctx: HubContext): AnyRoute[] {
  const headerOnly = { selfAuthorizing: 'a token in the Authorization header, never a cookie' };

  /** These legacy lookups accept only a token in the Authorization header (no cookie). */
  const headerPrincipal = async (req: FastifyRequest) => {
    const secret = headerToken(req);
    const p = secret ? await principalFromToken(ctx, secret) : null;
    if (!p)
      throw new HubError(
        'LABHUB_ERR_NOT_AUTHENTICATED',
        403,
        'Missing or invalid credentials: send Authorization: token <api token>.',
      );
    return p;
  };

  const removed = route({
    method: 'POST',
    url: '/authorizations/token',
    scopes: { public: 'removed endpoint: always 404 with what to use instead' },
    handler: async () => {
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        'POST /authorizations/token was removed in JupyterHub 2.0: create tokens with POST /hub/api/users/{name}/tokens',
      );
    },
  });

  const byToken = route({
    method: 'GET',
    url: '/authorizations/token/:token',
    scopes: headerOnly,
    handler: async (req) => {
      const p = await headerPrincipal(req);
      ctx.log.warn(
        'GET /hub/api/authorizations/token/{token} is deprecated since JupyterHub 2.0; use GET /hub/api/user with the token instead',
      );
      const owner = await principalFromToken(ctx, param(req, 'token'));
      if (!owner)
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, 'No such token (unknown or expired)');
      const groupsOf = await ctx.permissions.groupsOf([owner.name]);
      if (owner.kind === 'user' && owner.user)
        return (
          filterUserModel(await userModel(ctx, owner.user), p.scopes, groupsOf) ?? {
            kind: 'user',
            name: owner.name,
          }
        );
      const svc = ctx.services.get(owner.name);
      return (
        (svc && filterServiceModel(await serviceModel(ctx, svc), p.scopes, groupsOf)) ?? {
          kind: 'service',
          name: owner.name,
        }
      );
    },
  });

  const byCookie = route({
    method: 'GET',
    url: '/authorizations/cookie/:cookie/:value',
    scopes: headerOnly,
    handler: async (req) => {
      const p = await headerPrincipal(req);
      ctx.log.warn(
        'GET /hub/api/authorizations/cookie/... is deprecated; use OAuth (GET /hub/api/user with an OAuth token)',
      );
      const sessionId = ctx.signer.unsign(param(req, 'cookie'), param(req, 'value'));
      const session = sessionId ? await ctx.store.sessions.get(sessionId) : null;
      const user = session ? await ctx.store.users.byId(session.userId) : null;
      if (!user) throw new HubError('LABHUB_ERR_NOT_FOUND', 404, 'No user for this cookie');
      return (
        filterUserModel(
          await userModel(ctx, user),
          p.scopes,
          await ctx.permissions.groupsOf([user.name]),
        ) ?? { kind: 'user', name: user.name }
      );
    },
  });

  // Deprecated since JupyterHub 0.8: access to servers comes from access:servers scopes. labhub
  // has no admin_access switch (admins hold access:servers), so this is an authorized no-op.
  const adminAccess = route({
    method: 'POST',
    url: '/users/:name/admin-access',
    scopes: ['servers'],
    resource: (req) => ({ user: param(req, 'name') }),
    handler: async (req, reply) => {
      const name = param(req, 'name');
      ctx.log.warn(
        `POST /hub/api/users/${name}/admin-access is deprecated and does nothing: access to servers comes from the access:servers scope`,
      );
      return reply.code(200).send('');
    },
  });
  return [removed, byToken, byCookie, adminAccess];
}
