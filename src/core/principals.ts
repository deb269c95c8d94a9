/**
 * Who is calling, from a credential: an API or OAuth token, or a login session. The scopes come
 * from the permissions (cached per token, see rbac/scope-cache.ts); a token's use is recorded at
 * most every activity_resolution seconds. The HTTP layer only finds the credential in the request.
 */
import type { HubContext } from './context.js';
import type { Principal } from './rbac/permissions.js';

type Deps = Pick<HubContext, 'store' | 'permissions' | 'services' | 'settings'> & {
  /** auth_refresh_age (core/auth-refresh.ts): null = the person must log in again. */
  login?: Pick<HubContext['login'], 'refreshOnRequest'>;
};

/** A principal for an API token / OAuth access token, or null if it is unknown or expired. */
export async function principalFromToken(ctx: Deps, secret: string): Promise<Principal | null> {
  const token = await ctx.store.tokens.find(secret);
  if (!token) return null;
  const now = new Date();
  if (token.userId != null) {
    const found = await ctx.store.users.byId(token.userId);
    const user = found && ctx.login ? await ctx.login.refreshOnRequest(found) : found;
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
  ctx: Deps,
  tokenId: number,
  last: Date | null,
  now: Date,
  userId: number | null,
): Promise<void> {
  if (last && now.getTime() - last.getTime() < ctx.settings.activityResolution * 1000) return;
  await ctx.store.tokens.touch(tokenId, now);
  if (userId != null) await ctx.store.users.touch(userId, now);
}

/** A principal for a login session id (from the signed login cookie), or null. */
export async function principalFromSession(
  ctx: Deps,
  sessionId: string,
): Promise<Principal | null> {
  const session = await ctx.store.sessions.get(sessionId);
  if (!session) return null;
  const found = await ctx.store.users.byId(session.userId);
  const user = found && ctx.login ? await ctx.login.refreshOnRequest(found) : found;
  if (!user) return null;
  const scopes = await ctx.permissions.sessionScopes(user);
  return { kind: 'user', name: user.name, user, scopes, token: null, sessionId, via: 'cookie' };
}
