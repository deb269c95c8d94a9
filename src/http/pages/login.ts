import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { User } from '../../db/index.js';
import { isHubError } from '../../errors.js';
import { LOGIN_COOKIE, PASSWORD_CHANGE_COOKIE, SESSION_COOKIE, XSRF_COOKIE } from '../cookies.js';
import { PASSWORD_CHANGE_TTL_SECONDS } from '../../core/login.js';
import { safeNextUrl } from '../next-url.js';
import { pageContext, sendPage } from '../page-context.js';
import { principalOf } from '../principal.js';
import { renderLogin } from './render/index.js';
import { checkXsrf, isSecure, requireNavigation } from '../xsrf.js';
import { landingUrl } from './landing.js';
import { publicOrigin } from '../public-origin.js';
import { oauthPath, providerLogins } from './oauth-login.js';
import type { JsonObject } from '../../util/json.js';

/** Set the login cookies for a new session (§7.3). */
export async function startSession(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
  user: User,
): Promise<string> {
  const maxAge = ctx.settings.cookieMaxAgeDays * 86400;
  const session = await ctx.store.sessions.create(user.id, maxAge);
  const secure = isSecure(req, ctx);
  reply.setCookie(LOGIN_COOKIE, ctx.signer.sign(LOGIN_COOKIE, session.id), {
    path: ctx.settings.hubPrefix,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge,
  });
  reply.setCookie(SESSION_COOKIE, session.id, {
    path: ctx.settings.baseUrl,
    httpOnly: true,
    sameSite: 'lax',
    secure,
  });
  reply.clearCookie(XSRF_COOKIE, { path: ctx.settings.hubPrefix });
  return session.id;
}

/** The validated `next` query parameter ('' when absent or unsafe). */
export function nextOf(ctx: HubContext, req: FastifyRequest): string {
  return safeNextUrl(
    (req.query as Record<string, string>)?.next,
    req.headers.host,
    ctx.settings.baseUrl,
  );
}

/** The login page, e.g. again after a failed attempt (`error`, with `status`). */
export function sendLoginPage(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: { next: string; error?: string; username?: string; status?: number },
): FastifyReply {
  const hub = ctx.settings.hubPrefix;
  const auth = ctx.login.authenticator;
  return sendPage(
    reply,
    renderLogin(pageContext(ctx, req, reply, null), {
      next: opts.next,
      ...(opts.error ? { error: opts.error } : {}),
      ...(opts.username ? { username: opts.username.slice(0, 255) } : {}),
      loginButtons: providerLogins(auth).map(({ key, login }) => ({
        url: `${oauthPath(hub, key, 'oauth_login')}${opts.next ? `?next=${encodeURIComponent(opts.next)}` : ''}`,
        label: login.label,
      })),
      passwordForm: auth.passwordLogin !== false,
      // Accounts with a sign-up page (NativeAuthenticator.enable_signup): the login page links it.
      signupEnabled: auth.selfService?.signupEnabled === true,
    }),
    opts.status,
  );
}

/** /hub/login (GET form, POST credentials) and /hub/logout. */
export function registerLoginRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;

  app.get(`${hub}login`, async (req, reply) => {
    const p = await principalOf(ctx, req);
    const next = nextOf(ctx, req);
    if (p?.user && p.via === 'cookie')
      return reply.redirect(next || (await landingUrl(ctx, p.user)), 302);
    return sendLoginPage(ctx, req, reply, { next });
  });

  app.post(`${hub}login`, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const next = nextOf(ctx, req);
    const show = (error: string, status: number) =>
      sendLoginPage(ctx, req, reply, {
        next,
        error,
        username: String(body.username ?? ''),
        status,
      });
    try {
      checkXsrf(ctx, req);
      const outcome = await ctx.login.login({
        username: String(body.username ?? ''),
        password: String(body.password ?? ''),
        remoteAddr: req.ip,
      });
      if (outcome.kind === 'password-change') {
        // No session yet: the person first chooses a new password (pages/new-password.ts).
        reply.setCookie(PASSWORD_CHANGE_COOKIE, outcome.ticket, {
          path: hub,
          httpOnly: true,
          sameSite: 'strict',
          secure: isSecure(req, ctx),
          maxAge: PASSWORD_CHANGE_TTL_SECONDS,
        });
        const q = next ? `?next=${encodeURIComponent(next)}` : '';
        return reply.redirect(`${hub}new-password${q}`, 302);
      }
      await startSession(ctx, req, reply, outcome.user);
      return reply.redirect(next || (await landingUrl(ctx, outcome.user)), 302);
    } catch (e) {
      if (isHubError(e) && e.status < 500) {
        for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
        return show(e.userMessage, e.status);
      }
      throw e;
    }
  });

  app.get(`${hub}logout`, async (req, reply) => {
    requireNavigation(req, 'ends your session');
    const t0 = Date.now();
    const p = await principalOf(ctx, req);
    // Only a session proven by the signed login cookie is ended. The plain jupyterhub-session-id
    // is readable by every single-user server (path /), so it must not be enough to log someone
    // out and revoke their tokens.
    const sessionId = p?.via === 'cookie' ? p.sessionId : null;
    if (sessionId) {
      await ctx.store.tokens.deleteForSession(sessionId);
      await ctx.store.sessions.delete(sessionId);
    }
    if (p?.user && ctx.settings.shutdownOnLogout) {
      for (const s of await ctx.store.servers.forUser(p.user.id))
        if (s.status !== 'stopped') await ctx.spawns.stop(p.user, s.name).catch(() => undefined);
    }
    reply.clearCookie(LOGIN_COOKIE, { path: hub });
    reply.clearCookie(SESSION_COOKIE, { path: ctx.settings.baseUrl });
    reply.clearCookie('jupyterhub-services', { path: `${ctx.settings.baseUrl}services` });
    reply.clearCookie(XSRF_COOKIE, { path: hub });
    if (p?.user) ctx.log.info(`User logged out: ${p.user.name}`);
    ctx.metrics.logoutDuration.observe((Date.now() - t0) / 1000);
    // A login at a provider: end the session there too (logout_redirect_url, or OpenID Connect's
    // RP-initiated logout), then back to the login page.
    const provider = ctx.login.authenticator.redirectLogin;
    if (provider?.logoutUrl && p?.user) {
      const back = `${publicOrigin(ctx, req)}${hub}login`;
      const url = await provider
        .logoutUrl((p.user.authState ?? null) as JsonObject | null, back)
        .catch((e: unknown) => {
          ctx.log.warn(`No logout at ${provider.label}: ${(e as Error).message}`);
          return null;
        });
      if (url) return reply.redirect(url, 302);
    }
    return reply.redirect(`${hub}login`, 302);
  });
}
