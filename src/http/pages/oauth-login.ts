/**
 * The redirect login of an authenticator with `redirectLogin` (OAuth 2 / OpenID Connect), at
 * JupyterHub's URLs: GET /hub/oauth_login sends the browser to the provider, GET
 * /hub/oauth_callback completes the login there. What must survive the round trip (state, PKCE
 * verifier, nonce, next) is in a signed, httpOnly cookie. Refusals show the login page with a
 * message that says what went wrong.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { HubError, isHubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';
import type { Authenticator, RedirectLogin } from '../../auth/types.js';
import { OAUTH_STATE_COOKIE } from '../cookies.js';
import { isSecure } from '../xsrf.js';
import { landingUrl } from './landing.js';
import { publicOrigin } from '../public-origin.js';
import { nextOf, sendLoginPage, startSession } from './login.js';

/** How long the person has at the provider before the callback is refused (start again). */
const STATE_TTL_SECONDS = 600;

/** Every redirect login of the authenticator with the hub path it lives under ('' = /hub/). */
export function providerLogins(auth: Authenticator): { key: string; login: RedirectLogin }[] {
  return [
    ...(auth.redirectLogin ? [{ key: '', login: auth.redirectLogin }] : []),
    ...(auth.redirectLogins ?? []).map((l) => ({ key: l.key, login: l as RedirectLogin })),
  ];
}

/** /hub/oauth_login, or /hub/<key>/oauth_login for one of several providers. */
export function oauthPath(
  hub: string,
  key: string,
  page: 'oauth_login' | 'oauth_callback',
): string {
  return `${hub}${key ? `${key}/` : ''}${page}`;
}

export function registerOAuthLoginRoutes(app: FastifyInstance, ctx: HubContext): void {
  for (const { key, login } of providerLogins(ctx.login.authenticator))
    registerProvider(app, ctx, key, login);
}

function registerProvider(
  app: FastifyInstance,
  ctx: HubContext,
  key: string,
  redirect: RedirectLogin,
): void {
  const hub = ctx.settings.hubPrefix;
  const cookie = key ? `${OAUTH_STATE_COOKIE}-${key}` : OAUTH_STATE_COOKIE;
  const callbackOf = (req: FastifyRequest) =>
    `${publicOrigin(ctx, req)}${oauthPath(hub, key, 'oauth_callback')}`;
  const fail = (req: FastifyRequest, reply: FastifyReply, e: unknown, next: string) => {
    if (!isHubError(e)) throw e;
    if (e.status >= 500) ctx.log.error({ err: e.cause }, e.logMessage ?? e.message);
    return sendLoginPage(ctx, req, reply, { next, error: e.userMessage, status: e.status });
  };

  app.get(oauthPath(hub, key, 'oauth_login'), async (req, reply) => {
    const next = nextOf(ctx, req);
    try {
      const { url, pending } = await redirect.begin(callbackOf(req));
      const value = JSON.stringify({ ...pending, next });
      reply.setCookie(cookie, ctx.signer.sign(cookie, value), {
        path: hub,
        httpOnly: true,
        // lax: the provider's redirect back is a top-level GET from another site.
        sameSite: 'lax',
        secure: isSecure(req, ctx),
        maxAge: STATE_TTL_SECONDS,
      });
      return reply.redirect(url, 302);
    } catch (e) {
      return fail(req, reply, e, next);
    }
  });

  app.get(oauthPath(hub, key, 'oauth_callback'), async (req, reply) => {
    const raw = ctx.signer.unsign(cookie, req.cookies[cookie]);
    reply.clearCookie(cookie, { path: hub });
    let pending: JsonObject | null = null;
    try {
      pending = raw ? (JSON.parse(raw) as JsonObject) : null;
    } catch {
      pending = null;
    }
    const next = typeof pending?.next === 'string' ? pending.next : '';
    try {
      if (!pending)
        throw new HubError(
          'LABHUB_ERR_OAUTH_LOGIN',
          403,
          `The login at ${redirect.label} took too long, or was started in another browser or tab. Start it again.`,
          { logMessage: `oauth_callback without a valid ${cookie} cookie` },
        );
      const result = await redirect.complete({
        callbackUrl: callbackOf(req),
        currentUrl: new URL(req.url, publicOrigin(ctx, req)),
        pending,
      });
      const user = await ctx.login.loginExternal(result, {
        remoteAddr: req.ip,
        service: redirect.label,
      });
      await startSession(ctx, req, reply, user);
      return reply.redirect(next || (await landingUrl(ctx, user)), 302);
    } catch (e) {
      if (isHubError(e) && e.status < 500)
        ctx.log.warn(
          { remoteAddr: req.ip },
          `Login at ${redirect.label} failed: ${e.logMessage ?? e.message}`,
        );
      return fail(req, reply, e, next);
    }
  });
}
