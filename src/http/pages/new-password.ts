import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { PASSWORD_CHANGE_EXPIRED_MESSAGE } from '../../core/login.js';
import { isHubError } from '../../errors.js';
import { PASSWORD_CHANGE_COOKIE } from '../cookies.js';
import { pageContext, sendPage } from '../page-context.js';
import { checkXsrf } from '../xsrf.js';
import { renderNewPassword } from './render/index.js';
import { landingUrl } from './landing.js';
import { nextOf, sendLoginPage, startSession } from './login.js';

/**
 * `/hub/new-password`: after a login with a one-time or expired password (PAM or native), the
 * person chooses a new one here; the login then completes. The proof of the old password is the
 * single-use ticket in the {@link PASSWORD_CHANGE_COOKIE} cookie set by POST /hub/login.
 */
export function registerNewPasswordRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  const ticketOf = (req: FastifyRequest) => String(req.cookies?.[PASSWORD_CHANGE_COOKIE] ?? '');
  const clearTicket = (reply: FastifyReply) =>
    reply.clearCookie(PASSWORD_CHANGE_COOKIE, { path: hub });
  const expired = (req: FastifyRequest, reply: FastifyReply) => {
    clearTicket(reply);
    return sendLoginPage(ctx, req, reply, {
      next: nextOf(ctx, req),
      error: PASSWORD_CHANGE_EXPIRED_MESSAGE,
      status: 403,
    });
  };
  const form = (
    req: FastifyRequest,
    reply: FastifyReply,
    username: string,
    error?: string,
    status = 200,
  ) =>
    sendPage(
      reply,
      renderNewPassword(pageContext(ctx, req, reply, null), {
        username,
        next: nextOf(ctx, req),
        minPasswordLength: ctx.login.minimumPasswordLength,
        ...(error ? { error } : {}),
      }),
      status,
    );

  app.get(`${hub}new-password`, async (req, reply) => {
    const name = await ctx.login.ticketUser(ticketOf(req));
    if (!name) {
      const next = nextOf(ctx, req);
      return reply.redirect(`${hub}login${next ? `?next=${encodeURIComponent(next)}` : ''}`, 302);
    }
    return form(req, reply, name);
  });

  app.post(`${hub}new-password`, async (req, reply) => {
    checkXsrf(ctx, req);
    const ticket = ticketOf(req);
    const name = await ctx.login.ticketUser(ticket);
    if (!name) return expired(req, reply);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const pw = String(body.new_password ?? '');
    if (pw !== String(body.new_password_confirm ?? ''))
      return form(req, reply, name, 'The two new passwords are different.', 400);
    try {
      const user = await ctx.login.completePasswordChange({
        ticket,
        newPassword: pw,
        remoteAddr: req.ip,
      });
      clearTicket(reply);
      await startSession(ctx, req, reply, user);
      return reply.redirect(nextOf(ctx, req) || (await landingUrl(ctx, user)), 302);
    } catch (e) {
      if (isHubError(e) && e.code === 'LABHUB_ERR_LOGIN_FAILED') return expired(req, reply);
      if (isHubError(e) && e.status < 500) {
        for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
        return form(req, reply, name, e.userMessage, e.status);
      }
      throw e;
    }
  });
}
