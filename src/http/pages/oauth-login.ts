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
import { OAUTH_STATE_COOKIE } from '../cookies.js';
import { isSecure } from '../xsrf.js';
import { landingUrl } from './landing.js';
import { publicOrigin } from '../public-origin.js';
import { nextOf, sendLoginPage, startSession } from './login.js';

/** How long the person has at the provider before the callback is refused (start again). */
const STATE_TTL_SECONDS = 600;

export function registerOAuthLoginRoutes(app: FastifyInstance, ctx: HubContext): void {
  const redirect = ctx.login.authenticator.redirectLogin;
  if (!redirect) return;
  const hub = ctx.settings.hubPrefix;
  const callbackOf = (req: FastifyRequest) => `${publicOrigin(ctx, req)}${hub}oauth_callback`;
  const fail = (req: FastifyRequest, reply: FastifyReply, e: unknown, next: string) => {
    if (!isHubError(e)) throw e;
    if (e.status >= 500) ctx.log.error({ err: e.cause }, e.logMessage ?? e.message);
    return sendLoginPage(ctx, req, reply, { next, error: e.userMessage, status: e.status });
  };

  app.get(`${hub}oauth_login`, async (req, reply) => {
    const next = nextOf(ctx, req);
    try {
      const { url, pending } = await redirect.begin(callbackOf(req));
      const value = JSON.stringify({ ...pending, next });
      reply.setCookie(OAUTH_STATE_COOKIE, ctx.signer.sign(OAUTH_STATE_COOKIE, value), {
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

  app.get(`${hub}oauth_callback`, async (req, reply) => {
    const raw = ctx.signer.unsign(OAUTH_STATE_COOKIE, req.cookies[OAUTH_STATE_COOKIE]);
    reply.clearCookie(OAUTH_STATE_COOKIE, { path: hub });
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
          { logMessage: `oauth_callback without a valid ${OAUTH_STATE_COOKIE} cookie` },
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
