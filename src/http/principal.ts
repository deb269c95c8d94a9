import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import type { Principal } from '../core/rbac/permissions.js';
import { LOGIN_COOKIE } from './cookies.js';
import { principalFromSession, principalFromToken } from '../core/principals.js';

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

function principalFromCookie(ctx: HubContext, req: FastifyRequest): Promise<Principal | null> {
  const sessionId = ctx.signer.unsign(LOGIN_COOKIE, req.cookies?.[LOGIN_COOKIE]);
  return sessionId ? principalFromSession(ctx, sessionId) : Promise.resolve(null);
}
