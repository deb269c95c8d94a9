import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { User } from '../../db/index.js';
import type { NativeAuthenticator } from '../../auth/native.js';
import { isHubError } from '../../errors.js';
import { LOGIN_COOKIE, SESSION_COOKIE, XSRF_COOKIE } from '../cookies.js';
import { safeNextUrl } from '../next-url.js';
import { pageContext, sendPage } from '../page-context.js';
import { principalOf } from '../principal.js';
import { renderLogin } from './render/index.js';
import { checkXsrf, isSecure } from '../xsrf.js';
import { landingUrl } from './landing.js';

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

/** /hub/login (GET form, POST credentials) and /hub/logout. */
export function registerLoginRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  const nextOf = (req: FastifyRequest) =>
    safeNextUrl(
      (req.query as Record<string, string>)?.next,
      req.headers.host,
      ctx.settings.baseUrl,
    );
  const loginButton = () =>
    ctx.login.authenticator.loginUrl
      ? { url: ctx.login.authenticator.loginUrl(hub), label: ctx.login.authenticatorId }
      : undefined;
  // NativeAuthenticator.enable_signup: the login page links to the sign-up page.
  const signupEnabled = () =>
    ctx.login.authenticatorId === 'native' &&
    (ctx.login.authenticator as NativeAuthenticator).signupEnabled;

  app.get(`${hub}login`, async (req, reply) => {
    const p = await principalOf(ctx, req);
    const next = nextOf(req);
    if (p?.user && p.via === 'cookie')
      return reply.redirect(next || (await landingUrl(ctx, p.user)), 302);
    return sendPage(
      reply,
      renderLogin(pageContext(ctx, req, reply, null), {
        next,
        loginButton: loginButton(),
        signupEnabled: signupEnabled(),
      }),
    );
  });

  app.post(`${hub}login`, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const next = nextOf(req);
    const show = (error: string, status: number) =>
      sendPage(
        reply,
        renderLogin(pageContext(ctx, req, reply, null), {
          next,
          error,
          username: String(body.username ?? '').slice(0, 255),
          loginButton: loginButton(),
          signupEnabled: signupEnabled(),
        }),
        status,
      );
    try {
      checkXsrf(ctx, req);
      const user = await ctx.login.login({
        username: String(body.username ?? ''),
        password: String(body.password ?? ''),
        remoteAddr: req.ip,
      });
      await startSession(ctx, req, reply, user);
      return reply.redirect(next || (await landingUrl(ctx, user)), 302);
    } catch (e) {
      if (isHubError(e) && e.status < 500) {
        for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
        return show(e.userMessage, e.status);
      }
      throw e;
    }
  });

  app.get(`${hub}logout`, async (req, reply) => {
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
    return reply.redirect(`${hub}login`, 302);
  });
}
