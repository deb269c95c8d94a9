import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { Principal } from '../../core/permissions.js';
import { expandScopes, isKnownScope, scopeError, scopesSubset } from '../../core/scopes.js';
import { roleScopes } from '../../core/roles.js';
import type { TokenRecord, User } from '../../db/index.js';
import { HubError } from '../../errors.js';
import { MAX_SQL_INT, MAX_TOKEN_EXPIRES_IN, boundedInt } from '../../core/bounded-input.js';
import { principalOf } from '../principal.js';
import { authenticatedApi, requireApi, requireScope } from '../guard.js';
import { jsonBody, param, userOr404 } from './params.js';
import { ts } from './models.js';

/** Token model (§4.3): expanded effective scopes, never the secret (except once at creation). */
export async function tokenModel(
  ctx: HubContext,
  user: User,
  t: TokenRecord,
): Promise<Record<string, unknown>> {
  const owner = { kind: 'user' as const, name: user.name };
  const scopes = await ctx.permissions.tokenScopes(
    t,
    owner,
    await ctx.permissions.userScopes(user),
  );
  const client = t.clientId === 'jupyterhub' ? null : await ctx.store.oauth.client(t.clientId);
  return {
    user: user.name,
    id: `a${t.id}`,
    kind: 'api_token',
    roles: [],
    scopes: [...scopes].sort(),
    created: ts(t.created),
    last_activity: ts(t.lastActivity),
    expires_at: ts(t.expiresAt),
    note: t.note,
    session_id: t.sessionId,
    oauth_client: client ? client.description : 'JupyterHub',
  };
}

/** `a<id>` → id; anything else (also ids beyond an SQL integer) is an unknown token. */
function tokenId(raw: string): number {
  const m = /^a(\d{1,10})$/.exec(raw);
  const id = m ? Number(m[1]) : 0;
  if (!id || id > MAX_SQL_INT)
    throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such token: ${raw.slice(0, 32)}`);
  return id;
}

/** `/hub/api/users/:name/tokens[/:id]` (§4.5). */
export function registerTokenRoutes(app: FastifyInstance, ctx: HubContext): void {
  const base = `${ctx.settings.hubPrefix}api/users/:name/tokens`;

  app.get(base, async (req) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['read:tokens'], { user: name });
    const user = await userOr404(ctx, name);
    const tokens = await ctx.store.tokens.forUser(user.id);
    return { api_tokens: await Promise.all(tokens.map((t) => tokenModel(ctx, user, t))) };
  });

  app.get(`${base}/:id`, async (req) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['read:tokens'], { user: name });
    const user = await userOr404(ctx, name);
    const t = await ctx.store.tokens.byId(tokenId(param(req, 'id')));
    if (!t || t.userId !== user.id)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `No such token: ${param(req, 'id').slice(0, 32)}`,
      );
    return tokenModel(ctx, user, t);
  });

  app.delete(`${base}/:id`, async (req, reply) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['tokens'], { user: name });
    const user = await userOr404(ctx, name);
    const t = await ctx.store.tokens.byId(tokenId(param(req, 'id')));
    if (!t || t.userId !== user.id)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `No such token: ${param(req, 'id').slice(0, 32)}`,
      );
    // Revoking an OAuth token revokes every token of this user from that client.
    if (t.clientId !== 'jupyterhub') await ctx.store.tokens.deleteForClient(t.clientId, user.id);
    else await ctx.store.tokens.delete(t.id);
    return reply.code(204).send();
  });

  app.post(base, async (req, reply) => {
    const name = param(req, 'name');
    const body = jsonBody(req);
    let requester: Principal | null = await principalOf(ctx, req);
    if (requester) requester = await authenticatedApi(ctx, req);
    else if (body.auth && typeof body.auth === 'object') {
      // Unauthenticated request with credentials for the authenticator (JupyterHub allows this).
      const auth = body.auth as Record<string, unknown>;
      const outcome = await ctx.login
        .login({
          username: String(auth.username ?? ''),
          password: String(auth.password ?? ''),
          remoteAddr: req.ip,
        })
        .catch(() => {
          throw new HubError(
            'LABHUB_ERR_FORBIDDEN',
            403,
            'Authentication with the given credentials failed.',
          );
        });
      // A one-time or expired password buys no token: it must be changed on the login page first.
      if (outcome.kind !== 'user')
        throw new HubError(
          'LABHUB_ERR_FORBIDDEN',
          403,
          'Authentication with the given credentials failed: the password must be changed first. Sign in on the hub login page to choose a new one.',
        );
      const u = outcome.user;
      const scopes = await ctx.permissions.userScopes(u);
      requester = {
        kind: 'user',
        name: u.name,
        user: u,
        scopes,
        token: null,
        sessionId: null,
        via: 'token',
      };
    }
    if (!requester)
      throw new HubError('LABHUB_ERR_NOT_AUTHENTICATED', 403, 'Missing or invalid credentials.');
    const user = await ctx.store.users.byName(name);
    if (!user)
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        `Cannot create tokens for user ${name.slice(0, 64)}`,
      );
    await requireScope(ctx, requester, ['tokens'], { user: name });

    const note =
      body.note === undefined
        ? `Requested via api${requester.name !== name ? ` by ${requester.kind} ${requester.name}` : ''}`
        : body.note;
    if (typeof note !== 'string')
      throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'note must be a string');
    // null/absent: never expires (unless token_expires_in_max_seconds says otherwise).
    let expiresIn: number | null =
      body.expires_in === undefined || body.expires_in === null
        ? null
        : boundedInt(body.expires_in, 'expires_in', {
            min: 1,
            max: MAX_TOKEN_EXPIRES_IN,
            hint: '(seconds), or null for a token that does not expire',
          });
    const max = ctx.settings.tokenExpiresInMaxSeconds;
    if (max > 0) {
      if (expiresIn === null) expiresIn = max;
      else if (expiresIn > max)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `expires_in ${expiresIn} exceeds the maximum of ${max} seconds (JupyterHub.token_expires_in_max_seconds)`,
        );
    }
    let scopes: string[] = ['inherit'];
    if (
      body.roles !== undefined &&
      (!Array.isArray(body.roles) || !body.roles.every((s) => typeof s === 'string'))
    )
      throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'roles must be a list of role names');
    if (body.scopes !== undefined) {
      if (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string'))
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'scopes must be a list of strings');
      for (const s of body.scopes as string[])
        if (!isKnownScope(s, ctx.permissions.customScopes) && s !== 'inherit')
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            scopeError(s, ctx.permissions.customScopes) ?? `Unknown scope '${s}'`,
          );
      scopes = body.scopes as string[];
    } else if (body.roles !== undefined) {
      for (const r of body.roles as string[])
        if (!ctx.permissions.roles().has(r))
          throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `Unknown role '${r}'`);
      scopes = [...roleScopes(body.roles as string[], ctx.permissions.roles())];
    }
    // Token scopes must be within the owner's scopes (and the requester's, when acting for another user).
    const ownerScopes = await ctx.permissions.userScopes(user);
    const expanded = expandScopes(scopes, {
      owner: { kind: 'user', name: user.name },
      ownerScopes,
      customScopes: ctx.permissions.customScopes,
    });
    const groupsOf = await ctx.permissions.groupsOf([user.name]);
    const beyond = [
      ...scopesSubset(expanded, ownerScopes, groupsOf),
      ...(requester.name !== user.name ? scopesSubset(expanded, requester.scopes, groupsOf) : []),
    ];
    if (beyond.length)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Not assigning requested scopes ${[...new Set(beyond)].sort().join(', ')} not held by ${requester.kind} ${requester.name}`,
      );
    const { record, token } = await ctx.store.tokens.create({
      userId: user.id,
      scopes,
      note,
      expiresInSeconds: expiresIn,
    });
    return reply.code(201).send({ ...(await tokenModel(ctx, user, record)), token });
  });
}
