import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { ShareTarget } from '../../db/index.js';
import { HubError } from '../../errors.js';
import type { Principal } from '../../core/rbac/permissions.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { jsonBody, param, userOr404 } from './params.js';
import { groupOr404 } from './groups.js';
import { route, type AnyRoute } from './route.js';
import { acceptUrls, shareCodeModel, shareModel } from './share-models.js';

/** Shares (`/shares`), share codes (`/share-codes`) and what is shared with users and groups (§4.5). */
export function shareRoutes(ctx: HubContext): AnyRoute[] {
  const routes: AnyRoute[] = [];
  const ownerOf = (req: FastifyRequest) => ({ user: param(req, 'owner') });
  const server = (req: FastifyRequest) => ({
    server: `${param(req, 'owner')}/${param(req, 'server')}`,
  });

  // Always the paginated shape; the default page size still follows the Accept header (200 without it).
  const page = (req: FastifyRequest) => pageParams(ctx, req, wantsPagination(req));

  // ---- /shares ----
  routes.push(
    route({
      method: 'GET',
      url: '/shares/:owner',
      scopes: ['read:shares'],
      resource: ownerOf,
      handler: async (req) => {
        const owner = await userOr404(ctx, param(req, 'owner'));
        const { offset, limit } = page(req);
        const { shares, total } = await ctx.shares.ofOwner(owner, undefined, offset, limit);
        return {
          items: shares.map((s) => shareModel(ctx, s)),
          _pagination: paginationInfo(req, offset, limit, total),
        };
      },
    }),
  );
  // POST/PATCH/DELETE on /shares/{owner} and /share-codes/{owner}: 405 from api/unmatched.ts.

  /** The owner and server a request names (its scope was checked for `<owner>/<server>`). */
  const serverRoute = async (req: FastifyRequest) => {
    const serverName = param(req, 'server');
    const owner = await userOr404(ctx, param(req, 'owner'));
    return { owner, serverName };
  };
  /** A route on one server's shares or share codes. */
  const onServer = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    scope: string,
    handler: (req: FastifyRequest, p: Principal) => Promise<unknown>,
  ) =>
    routes.push(
      route({
        method,
        url,
        scopes: [scope],
        resource: server,
        handler: (req, _reply, { principal }) => handler(req, principal),
      }),
    );

  onServer('GET', '/shares/:owner/:server', 'read:shares', async (req) => {
    const { owner, serverName } = await serverRoute(req);
    const { offset, limit } = page(req);
    const { shares, total } = await ctx.shares.ofOwner(owner, serverName, offset, limit);
    return {
      items: shares.map((s) => shareModel(ctx, s)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  onServer('POST', '/shares/:owner/:server', 'shares', async (req, p) => {
    const { owner, serverName } = await serverRoute(req);
    return shareModel(ctx, await ctx.shares.grant(p, owner, serverName, jsonBody(req)));
  });

  onServer('PATCH', '/shares/:owner/:server', 'shares', async (req, p) => {
    const { owner, serverName } = await serverRoute(req);
    const left = await ctx.shares.revoke(p, owner, serverName, jsonBody(req));
    return left ? shareModel(ctx, left) : {};
  });

  routes.push(
    route({
      method: 'DELETE',
      url: '/shares/:owner/:server',
      scopes: ['shares'],
      resource: server,
      handler: async (req, reply) => {
        const { owner, serverName } = await serverRoute(req);
        await ctx.shares.revokeAll(owner, serverName);
        return reply.code(204).send();
      },
    }),
  );

  // ---- /share-codes ----
  routes.push(
    route({
      method: 'GET',
      url: '/share-codes/:owner',
      scopes: ['read:shares'],
      resource: ownerOf,
      handler: async (req) => {
        const owner = await userOr404(ctx, param(req, 'owner'));
        const { offset, limit } = page(req);
        const { codes, total } = await ctx.shareCodes.list(owner, undefined, offset, limit);
        return {
          items: codes.map((c) => shareCodeModel(ctx, c)),
          _pagination: paginationInfo(req, offset, limit, total),
        };
      },
    }),
  );

  onServer('GET', '/share-codes/:owner/:server', 'read:shares', async (req) => {
    const { owner, serverName } = await serverRoute(req);
    const { offset, limit } = page(req);
    const { codes, total } = await ctx.shareCodes.list(owner, serverName, offset, limit);
    return {
      items: codes.map((c) => shareCodeModel(ctx, c)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  onServer('POST', '/share-codes/:owner/:server', 'shares', async (req, p) => {
    const { owner, serverName } = await serverRoute(req);
    const { record, code } = await ctx.shareCodes.create(p, owner, serverName, jsonBody(req));
    return { ...shareCodeModel(ctx, record), code, ...acceptUrls(ctx, code) };
  });

  routes.push(
    route({
      method: 'DELETE',
      url: '/share-codes/:owner/:server',
      scopes: ['shares'],
      resource: server,
      handler: async (req, reply) => {
        const { owner, serverName } = await serverRoute(req);
        const q = req.query as Record<string, string | undefined>;
        await ctx.shareCodes.revoke(owner, serverName, { code: q.code, id: q.id });
        return reply.code(204).send();
      },
    }),
  );

  // ---- what is shared with a user / a group ----
  routes.push(
    route({
      method: 'GET',
      url: '/users/:name/shared',
      scopes: ['read:users:shares'],
      resource: (req) => ({ user: param(req, 'name') }),
      handler: async (req) => {
        const user = await userOr404(ctx, param(req, 'name'));
        const { offset, limit } = page(req);
        const { shares, total } = await ctx.shares.sharedWith({ user }, offset, limit);
        return {
          items: shares.map((s) => shareModel(ctx, s)),
          _pagination: paginationInfo(req, offset, limit, total),
        };
      },
    }),
  );

  routes.push(
    route({
      method: 'GET',
      url: '/groups/:name/shared',
      scopes: ['read:groups:shares'],
      resource: (req) => ({ group: param(req, 'name') }),
      handler: async (req) => {
        const group = await groupOr404(ctx, param(req, 'name'));
        const { offset, limit } = page(req);
        const { shares, total } = await ctx.shares.sharedWith({ groupId: group.id }, offset, limit);
        return {
          items: shares.map((s) => shareModel(ctx, s)),
          _pagination: paginationInfo(req, offset, limit, total),
        };
      },
    }),
  );

  /** The share of one server held directly by a user or group (404 when there is none). */
  const oneShared = async (req: FastifyRequest, kind: 'user' | 'group') => {
    const name = param(req, 'name');
    const target: ShareTarget =
      kind === 'user'
        ? { userId: (await userOr404(ctx, name)).id }
        : { groupId: (await groupOr404(ctx, name)).id };
    const ownerName = param(req, 'owner');
    const serverName = param(req, 'server');
    const notFound = new HubError(
      'LABHUB_ERR_NOT_FOUND',
      404,
      `No share of ${ownerName}/${serverName} for ${kind} ${name}`,
    );
    const held = await ctx.shares.heldBy(target, ownerName, serverName);
    if (!held) throw notFound;
    return { ...held, target };
  };
  for (const kind of ['user', 'group'] as const) {
    const url = `/${kind}s/:name/shared/:owner/:server`;
    const holder = (req: FastifyRequest) =>
      kind === 'user' ? { user: param(req, 'name') } : { group: param(req, 'name') };
    routes.push(
      route({
        method: 'GET',
        url,
        scopes: [`read:${kind}s:shares`],
        resource: holder,
        handler: async (req) => shareModel(ctx, (await oneShared(req, kind)).share),
      }),
      route({
        method: 'DELETE',
        url,
        scopes: [`${kind}s:shares`],
        resource: holder,
        handler: async (req, reply) => {
          const { rec, target } = await oneShared(req, kind);
          await ctx.shares.revokeHeld(rec, target);
          return reply.code(204).send();
        },
      }),
    );
  }
  return routes;
}
