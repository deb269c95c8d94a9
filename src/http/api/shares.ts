import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { ShareTarget } from '../../db/index.js';
import { HubError } from '../../errors.js';
import { requireApi } from '../guard.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { jsonBody, param, userOr404 } from './params.js';
import { groupOr404 } from './groups.js';
import { acceptUrls, shareCodeModel, shareModel } from './share-models.js';

/** Shares (`/shares`), share codes (`/share-codes`) and what is shared with users and groups (§4.5). */
export function registerShareRoutes(app: FastifyInstance, ctx: HubContext): void {
  const api = `${ctx.settings.hubPrefix}api`;

  // Always the paginated shape; the default page size still follows the Accept header (200 without it).
  const page = (req: FastifyRequest) => pageParams(ctx, req, wantsPagination(req));

  // ---- /shares ----
  app.get(`${api}/shares/:owner`, async (req) => {
    const ownerName = param(req, 'owner');
    await requireApi(ctx, req, ['read:shares'], { user: ownerName });
    const owner = await userOr404(ctx, ownerName);
    const { offset, limit } = page(req);
    const { shares, total } = await ctx.shares.ofOwner(owner, undefined, offset, limit);
    return {
      items: shares.map((s) => shareModel(ctx, s)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });
  // POST/PATCH/DELETE on /shares/{owner} and /share-codes/{owner}: 405 from api/unmatched.ts.

  const serverRoute = async (req: FastifyRequest, scope: string) => {
    const ownerName = param(req, 'owner');
    const serverName = param(req, 'server');
    const full = `${ownerName}/${serverName}`;
    const p = await requireApi(ctx, req, [scope], { server: full });
    const owner = await userOr404(ctx, ownerName);
    return { p, owner, serverName, full };
  };

  app.get(`${api}/shares/:owner/:server`, async (req) => {
    const { owner, serverName } = await serverRoute(req, 'read:shares');
    const { offset, limit } = page(req);
    const { shares, total } = await ctx.shares.ofOwner(owner, serverName, offset, limit);
    return {
      items: shares.map((s) => shareModel(ctx, s)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.post(`${api}/shares/:owner/:server`, async (req) => {
    const { p, owner, serverName } = await serverRoute(req, 'shares');
    return shareModel(ctx, await ctx.shares.grant(p, owner, serverName, jsonBody(req)));
  });

  app.patch(`${api}/shares/:owner/:server`, async (req) => {
    const { p, owner, serverName } = await serverRoute(req, 'shares');
    const left = await ctx.shares.revoke(p, owner, serverName, jsonBody(req));
    return left ? shareModel(ctx, left) : {};
  });

  app.delete(`${api}/shares/:owner/:server`, async (req, reply) => {
    const { owner, serverName } = await serverRoute(req, 'shares');
    await ctx.shares.revokeAll(owner, serverName);
    return reply.code(204).send();
  });

  // ---- /share-codes ----
  app.get(`${api}/share-codes/:owner`, async (req) => {
    const ownerName = param(req, 'owner');
    await requireApi(ctx, req, ['read:shares'], { user: ownerName });
    const owner = await userOr404(ctx, ownerName);
    const { offset, limit } = page(req);
    const { codes, total } = await ctx.shareCodes.list(owner, undefined, offset, limit);
    return {
      items: codes.map((c) => shareCodeModel(ctx, c)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.get(`${api}/share-codes/:owner/:server`, async (req) => {
    const { owner, serverName } = await serverRoute(req, 'read:shares');
    const { offset, limit } = page(req);
    const { codes, total } = await ctx.shareCodes.list(owner, serverName, offset, limit);
    return {
      items: codes.map((c) => shareCodeModel(ctx, c)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.post(`${api}/share-codes/:owner/:server`, async (req) => {
    const { p, owner, serverName } = await serverRoute(req, 'shares');
    const { record, code } = await ctx.shareCodes.create(p, owner, serverName, jsonBody(req));
    return { ...shareCodeModel(ctx, record), code, ...acceptUrls(ctx, code) };
  });

  app.delete(
    `${api}/share-codes/:owner/:server`,
    async (req: FastifyRequest, reply: FastifyReply) => {
      const { owner, serverName } = await serverRoute(req, 'shares');
      const q = req.query as Record<string, string | undefined>;
      await ctx.shareCodes.revoke(owner, serverName, { code: q.code, id: q.id });
      return reply.code(204).send();
    },
  );

  // ---- what is shared with a user / a group ----
  app.get(`${api}/users/:name/shared`, async (req) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['read:users:shares'], { user: name });
    const user = await userOr404(ctx, name);
    const { offset, limit } = page(req);
    const { shares, total } = await ctx.shares.sharedWith({ user }, offset, limit);
    return {
      items: shares.map((s) => shareModel(ctx, s)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.get(`${api}/groups/:name/shared`, async (req) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['read:groups:shares'], { group: name });
    const group = await groupOr404(ctx, name);
    const { offset, limit } = page(req);
    const { shares, total } = await ctx.shares.sharedWith({ groupId: group.id }, offset, limit);
    return {
      items: shares.map((s) => shareModel(ctx, s)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  /** The share of one server held directly by a user or group (404 when there is none). */
  const oneShared = async (req: FastifyRequest, kind: 'user' | 'group', scope: string) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, [scope], kind === 'user' ? { user: name } : { group: name });
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
    const url = `${api}/${kind}s/:name/shared/:owner/:server`;
    app.get(url, async (req) =>
      shareModel(ctx, (await oneShared(req, kind, `read:${kind}s:shares`)).share),
    );
    app.delete(url, async (req, reply) => {
      const { rec, target } = await oneShared(req, kind, `${kind}s:shares`);
      await ctx.shares.revokeHeld(rec, target);
      return reply.code(204).send();
    });
  }
}
