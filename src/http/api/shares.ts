import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { Principal } from '../../core/permissions.js';
import {
  checkAccess,
  expandScopes,
  parseScope,
  scopeError,
  scopesSubset,
} from '../../core/scopes.js';
import type { ServerRecord, ShareTarget, User } from '../../db/index.js';
import { HubError } from '../../errors.js';
import { MAX_SQL_INT, boundedInt } from '../../core/bounded-input.js';
import { requireApi } from '../guard.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { jsonBody, param, userOr404 } from './params.js';
import { groupOr404 } from './groups.js';
import { acceptUrls, shareCodeModel, shareModel } from './share-models.js';

const CODE_MIN_EXPIRES = 60;
const CODE_MAX_EXPIRES = 365 * 24 * 3600;
const CODE_DEFAULT_EXPIRES = 24 * 3600;

const bad = (msg: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, msg);

/** The owner's server; the default server record is created on demand when `create` is set. */
async function serverOf(
  ctx: HubContext,
  owner: User,
  serverName: string,
  create: boolean,
): Promise<ServerRecord | null> {
  const rec = await ctx.store.servers.get(owner.id, serverName);
  if (rec || !create) return rec;
  if (serverName)
    throw new HubError(
      'LABHUB_ERR_NOT_FOUND',
      404,
      `${owner.name} has no server named '${serverName.slice(0, 64)}'`,
    );
  return ctx.store.servers.ensure(owner.id, '');
}

/**
 * The scopes of a share request: default `access:servers!server=<owner>/<server>`; each must be a
 * valid scope filtered on exactly this server, and held by the caller (a share never grants more
 * than the granter has).
 */
function shareScopes(
  ctx: HubContext,
  p: Principal,
  body: Record<string, unknown>,
  full: string,
  required: boolean,
): string[] | undefined {
  if (body.scopes === undefined || body.scopes === null)
    return required ? [`access:servers!server=${full}`] : undefined;
  if (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string'))
    throw bad('scopes must be a list of scope strings');
  const scopes = body.scopes as string[];
  if (required && !scopes.length)
    throw bad(`scopes must not be empty (default: ["access:servers!server=${full}"])`);
  for (const s of scopes) {
    const err = scopeError(s, ctx.permissions.customScopes);
    if (err) throw bad(err);
    const parsed = parseScope(s)!;
    if (parsed.filter?.kind !== 'server' || parsed.filter.value !== full)
      throw bad(
        `Shared scopes must be filtered on the shared server: expected '${parsed.base}!server=${full}', got '${s}'`,
      );
  }
  if (required) {
    const expanded = expandScopes(scopes, { customScopes: ctx.permissions.customScopes });
    const missing = scopesSubset(expanded, p.scopes, () => []);
    if (missing.length)
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        `Not sharing scopes ${missing.join(', ')}: ${p.kind} ${p.name} does not hold them`,
      );
  }
  return scopes;
}

/** `{"user": name}` or `{"group": name}` → target; 400 if both/neither or unknown; 403 if the caller may not read its name. */
async function shareTarget(
  ctx: HubContext,
  p: Principal,
  body: Record<string, unknown>,
  owner: User,
): Promise<ShareTarget> {
  const hasUser = typeof body.user === 'string';
  const hasGroup = typeof body.group === 'string';
  if (hasUser === hasGroup) throw bad('Specify exactly one of "user" or "group" (a name)');
  if (hasUser) {
    const name = body.user as string;
    const u = await ctx.store.users.byName(name);
    if (!u) throw bad(`No such user: ${name.slice(0, 64)}`);
    if (u.id === owner.id) throw bad(`Cannot share a server with its owner (${owner.name})`);
    if (
      checkAccess(
        p.scopes,
        ['read:users:name'],
        { user: name },
        await ctx.permissions.groupsOf([name]),
      ) !== 'granted'
    )
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        `Sharing with user ${name} needs read:users:name on that user`,
      );
    return { userId: u.id };
  }
  const gname = body.group as string;
  const g = await ctx.store.groups.byName(gname);
  if (!g) throw bad(`No such group: ${gname.slice(0, 64)}`);
  if (checkAccess(p.scopes, ['read:groups:name'], { group: gname }, () => []) !== 'granted')
    throw new HubError(
      'LABHUB_ERR_FORBIDDEN',
      403,
      `Sharing with group ${gname} needs read:groups:name on that group`,
    );
  return { groupId: g.id };
}

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
    const { shares, total } = await ctx.store.shares.list({ ownerId: owner.id }, offset, limit);
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
    const rec = await serverOf(ctx, owner, serverName, false);
    if (!rec && serverName)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `${owner.name} has no server named '${serverName.slice(0, 64)}'`,
      );
    const { offset, limit } = page(req);
    const { shares, total } = rec
      ? await ctx.store.shares.list({ ownerId: owner.id, serverName }, offset, limit)
      : { shares: [], total: 0 };
    return {
      items: shares.map((s) => shareModel(ctx, s)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.post(`${api}/shares/:owner/:server`, async (req) => {
    const { p, owner, serverName, full } = await serverRoute(req, 'shares');
    const body = jsonBody(req);
    const scopes = shareScopes(ctx, p, body, full, true)!;
    const target = await shareTarget(ctx, p, body, owner);
    const rec = (await serverOf(ctx, owner, serverName, true))!;
    return shareModel(ctx, await ctx.store.shares.grant(rec.id, target, scopes));
  });

  app.patch(`${api}/shares/:owner/:server`, async (req) => {
    const { p, owner, serverName, full } = await serverRoute(req, 'shares');
    const body = jsonBody(req);
    const scopes = shareScopes(ctx, p, body, full, false);
    const target = await shareTarget(ctx, p, body, owner);
    const rec = await serverOf(ctx, owner, serverName, false);
    if (!rec) return {};
    const left = await ctx.store.shares.revoke(rec.id, target, scopes);
    return left ? shareModel(ctx, left) : {};
  });

  app.delete(`${api}/shares/:owner/:server`, async (req, reply) => {
    const { owner, serverName } = await serverRoute(req, 'shares');
    const rec = await serverOf(ctx, owner, serverName, false);
    if (!rec && serverName)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `${owner.name} has no server named '${serverName.slice(0, 64)}'`,
      );
    if (rec) await ctx.store.shares.revokeAll(rec.id);
    return reply.code(204).send();
  });

  // ---- /share-codes ----
  app.get(`${api}/share-codes/:owner`, async (req) => {
    const ownerName = param(req, 'owner');
    await requireApi(ctx, req, ['read:shares'], { user: ownerName });
    const owner = await userOr404(ctx, ownerName);
    const { offset, limit } = page(req);
    const { codes, total } = await ctx.store.shares.listCodes(owner.id, undefined, offset, limit);
    return {
      items: codes.map((c) => shareCodeModel(ctx, c)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.get(`${api}/share-codes/:owner/:server`, async (req) => {
    const { owner, serverName } = await serverRoute(req, 'read:shares');
    const rec = await serverOf(ctx, owner, serverName, false);
    if (!rec && serverName)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `${owner.name} has no server named '${serverName.slice(0, 64)}'`,
      );
    const { offset, limit } = page(req);
    const { codes, total } = rec
      ? await ctx.store.shares.listCodes(owner.id, serverName, offset, limit)
      : { codes: [], total: 0 };
    return {
      items: codes.map((c) => shareCodeModel(ctx, c)),
      _pagination: paginationInfo(req, offset, limit, total),
    };
  });

  app.post(`${api}/share-codes/:owner/:server`, async (req) => {
    const { p, owner, serverName, full } = await serverRoute(req, 'shares');
    const body = jsonBody(req);
    const scopes = shareScopes(ctx, p, body, full, true)!;
    const expiresIn =
      body.expires_in === undefined || body.expires_in === null
        ? CODE_DEFAULT_EXPIRES
        : boundedInt(body.expires_in, 'expires_in', {
            min: CODE_MIN_EXPIRES,
            max: CODE_MAX_EXPIRES,
            hint: '(seconds)',
            floor: true, // fractions of a second are dropped, as before
          });
    const rec = (await serverOf(ctx, owner, serverName, true))!;
    const { record, code } = await ctx.store.shares.createCode(rec.id, scopes, expiresIn);
    return { ...shareCodeModel(ctx, record), code, ...acceptUrls(ctx, code) };
  });

  app.delete(
    `${api}/share-codes/:owner/:server`,
    async (req: FastifyRequest, reply: FastifyReply) => {
      const { owner, serverName } = await serverRoute(req, 'shares');
      const rec = await serverOf(ctx, owner, serverName, false);
      const notFound = () =>
        new HubError(
          'LABHUB_ERR_NOT_FOUND',
          404,
          `No such share code for ${owner.name}/${serverName}`,
        );
      if (!rec) {
        if (serverName)
          throw new HubError(
            'LABHUB_ERR_NOT_FOUND',
            404,
            `${owner.name} has no server named '${serverName.slice(0, 64)}'`,
          );
        return reply.code(204).send();
      }
      const q = req.query as Record<string, string | undefined>;
      if (q.code !== undefined) {
        const c = await ctx.store.shares.findCode(q.code);
        if (!c || c.server.id !== rec.id) throw notFound();
        await ctx.store.shares.deleteCodes(rec.id, c.id);
      } else if (q.id !== undefined) {
        const m = /^sc_(\d{1,10})$/.exec(q.id);
        const id = m ? Number(m[1]) : 0;
        if (!id || id > MAX_SQL_INT || !(await ctx.store.shares.deleteCodes(rec.id, id)))
          throw notFound();
      } else {
        await ctx.store.shares.deleteCodes(rec.id);
      }
      return reply.code(204).send();
    },
  );

  // ---- what is shared with a user / a group ----
  app.get(`${api}/users/:name/shared`, async (req) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['read:users:shares'], { user: name });
    const user = await userOr404(ctx, name);
    const { offset, limit } = page(req);
    const { shares, total } = await ctx.store.shares.list(
      { userId: user.id, viaGroups: true },
      offset,
      limit,
    );
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
    const { shares, total } = await ctx.store.shares.list({ groupId: group.id }, offset, limit);
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
    const owner = await ctx.store.users.byName(ownerName);
    const rec = owner ? await ctx.store.servers.get(owner.id, serverName) : null;
    const share = rec ? await ctx.store.shares.get(rec.id, target) : null;
    if (!rec || !share) throw notFound;
    return { rec, share, target };
  };
  for (const kind of ['user', 'group'] as const) {
    const url = `${api}/${kind}s/:name/shared/:owner/:server`;
    app.get(url, async (req) =>
      shareModel(ctx, (await oneShared(req, kind, `read:${kind}s:shares`)).share),
    );
    app.delete(url, async (req, reply) => {
      const { rec, target } = await oneShared(req, kind, `${kind}s:shares`);
      await ctx.store.shares.revoke(rec.id, target);
      return reply.code(204).send();
    });
  }
}
