import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import type { Principal } from '../core/rbac/permissions.js';
import { LOGIN_COOKIE } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Memoized principal (undefined = not yet resolved, null = anonymous). */
    labhubPrincipal?: Promise<Principal | null>;
  }
}

/** The token from `Authorization: token X` or `bearer X` (scheme case-insensitive). */
export function headerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^(token|bearer)\s+(\S+)\s*$/i.exec(h);
  return m ? m[2] : null;
}

/** Resolve who is calling: header token first, then the login cookie. Memoized per request. */
export function principalOf(
  ctx: HubContext,
  req: FastifyRequest,
  opts: { allowCookie?: boolean } = {},
): Promise<Principal | null> {
  if (!req.labhubPrincipal) req.labhubPrincipal = resolve(ctx, req, opts.allowCookie ?? true);
  return req.labhubPrincipal;
}

async function resolve(
  ctx: HubContext,
  req: FastifyRequest,
  allowCookie: boolean,
): Promise<Principal | null> {
  const token = headerToken(req);
  if (token) return principalFromToken(ctx, token);
  if (!allowCookie) return null;
  return principalFromCookie(ctx, req);
}

/** A principal for an API token / OAuth access token, or null if it is unknown or expired. */
export async function principalFromToken(
  ctx: HubContext,
  secret: string,
): Promise<Principal | null> {
  const token = await ctx.store.tokens.find(secret);
  if (!token) return null;
  const now = new Date();
  if (token.userId != null) {
    const user = await ctx.store.users.byId(token.userId);
    if (!user) return null;
    const scopes = await ctx.permissions.userTokenScopes(token, user);
    await recordTokenUse(
      ctx,
      token.id,
      token.lastActivity,
      now,
      token.note.startsWith('Server at ') ? null : user.id,
    );
    return {
      kind: 'user',
      name: user.name,
      user,
      scopes,
      token,
      sessionId: token.sessionId,
      via: 'token',
    };
  }
  if (token.serviceName) {
    const svc = ctx.services.get(token.serviceName);
    if (!svc) return null;
    const scopes = await ctx.permissions.serviceTokenScopes(token, svc);
    await recordTokenUse(ctx, token.id, token.lastActivity, now, null);
    return {
      kind: 'service',
      name: svc.name,
      user: null,
      scopes,
      token,
      sessionId: null,
      via: 'token',
    };
  }
  return null;
}

/** Token use updates last_activity at most every activity_resolution seconds. */
async function recordTokenUse(
  ctx: HubContext,
  tokenId: number,
  last: Date | null,
  now: Date,
  userId: number | null,
): Promise<void> {
  if (last && now.getTime() - last.getTime() < ctx.settings.activityResolution * 1000) return;
  await ctx.store.tokens.touch(tokenId, now);
  if (userId != null) await ctx.store.users.touch(userId, now);
}

async function principalFromCookie(
  ctx: HubContext,
  req: FastifyRequest,
): Promise<Principal | null> {
  const sessionId = ctx.signer.unsign(LOGIN_COOKIE, req.cookies?.[LOGIN_COOKIE]);
  if (!sessionId) return null;
  const session = await ctx.store.sessions.get(sessionId);
  if (!session) return null;
  const user = await ctx.store.users.byId(session.userId);
  if (!user) return null;
  const scopes = await ctx.permissions.sessionScopes(user);
  return { kind: 'user', name: user.name, user, scopes, token: null, sessionId, via: 'cookie' };
}
