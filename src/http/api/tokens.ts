import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { Principal } from '../../core/rbac/permissions.js';
import type { TokenRecord, User } from '../../db/index.js';
import { HubError } from '../../errors.js';
import { MAX_TOKEN_EXPIRES_IN, boundedInt } from '../../core/bounded-input.js';
import { principalOf } from '../principal.js';
import { authenticatedApi, requireScope } from '../guard.js';
import { jsonBody, param, userOr404 } from './params.js';
import { ts } from './models.js';
import { route, type AnyRoute } from './route.js';

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

/** `/hub/api/users/:name/tokens[/:id]` (§4.5). */
export function tokenRoutes(ctx: HubContext): AnyRoute[] {
  const base = '/users/:name/tokens';
  const owner = (req: FastifyRequest) => ({ user: param(req, 'name') });

  const list = route({
    method: 'GET',
    url: base,
    scopes: ['read:tokens'],
    resource: owner,
    handler: async (req) => {
      const user = await userOr404(ctx, param(req, 'name'));
      const tokens = await ctx.tokens.list(user);
      return { api_tokens: await Promise.all(tokens.map((t) => tokenModel(ctx, user, t))) };
    },
  });

  const getOne = route({
    method: 'GET',
    url: `${base}/:id`,
    scopes: ['read:tokens'],
    resource: owner,
    handler: async (req) => {
      const user = await userOr404(ctx, param(req, 'name'));
      return tokenModel(ctx, user, await ctx.tokens.get(user, param(req, 'id')));
    },
  });

  const revoke = route({
    method: 'DELETE',
    url: `${base}/:id`,
    scopes: ['tokens'],
    resource: owner,
    handler: async (req, reply) => {
      const user = await userOr404(ctx, param(req, 'name'));
      await ctx.tokens.revoke(user, param(req, 'id'));
      return reply.code(204).send();
    },
  });

  // Without a credential, the body may carry the authenticator's (JupyterHub allows this).
  const create = route({
    method: 'POST',
    url: base,
    scopes: {
      selfAuthorizing:
        'a token or cookie, or {auth: {username, password}} in the body; then the tokens scope for the user',
    },
    handler: async (req, reply) => {
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
      const user = await ctx.users.find(name);
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
      const expiresIn: number | null =
        body.expires_in === undefined || body.expires_in === null
          ? null
          : boundedInt(body.expires_in, 'expires_in', {
              min: 1,
              max: MAX_TOKEN_EXPIRES_IN,
              hint: '(seconds), or null for a token that does not expire',
            });
      ctx.tokens.expiresIn(expiresIn); // the cap's 400 comes before the type checks below
      if (
        body.roles !== undefined &&
        (!Array.isArray(body.roles) || !body.roles.every((s) => typeof s === 'string'))
      )
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'roles must be a list of role names');
      if (
        body.scopes !== undefined &&
        (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string'))
      )
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'scopes must be a list of strings');
      const { record, token } = await ctx.tokens.issue(
        user,
        {
          note,
          expiresIn,
          scopes: body.scopes as string[] | undefined,
          roles: body.roles as string[] | undefined,
        },
        requester,
      );
      return reply.code(201).send({ ...(await tokenModel(ctx, user, record)), token });
    },
  });
  return [list, getOne, revoke, create];
}
