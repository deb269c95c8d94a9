import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { NativeAuthenticator } from '../../auth/native.js';
import { HubError, isHubError } from '../../errors.js';
import { pageContext, sendPage } from '../page-context.js';
import { principalOf } from '../principal.js';
import { checkXsrf } from '../xsrf.js';
import { renderChangePassword, renderSignup } from './render/index.js';
import { renderSignups } from './render/signups-page.js';
import { pageUser } from './page-auth.js';

/** Sign-up, change password and sign-up approval pages of the native authenticator. */
export function registerNativeRoutes(app: FastifyInstance, ctx: HubContext): void {
  if (ctx.login.authenticatorId !== 'native') return;
  const hub = ctx.settings.hubPrefix;
  const native = ctx.login.authenticator as NativeAuthenticator;
  const minLen = Number(
    (ctx.settings.authenticatorOptions as Record<string, unknown>).minimum_password_length ?? 8,
  );
  const form = (req: FastifyRequest) => (req.body ?? {}) as Record<string, string>;

  app.get(`${hub}signup`, async (req, reply) => {
    if (!native.signupEnabled)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        'Sign-up is not enabled on this hub (NativeAuthenticator.open_signup). Ask an administrator for an account.',
      );
    return sendPage(
      reply,
      renderSignup(pageContext(ctx, req, reply, null), {
        minPasswordLength: minLen,
        requiresApproval: true,
      }),
    );
  });
  app.post(`${hub}signup`, async (req, reply) => {
    if (!native.signupEnabled)
      throw new HubError('LABHUB_ERR_NOT_FOUND', 404, 'Sign-up is not enabled on this hub.');
    checkXsrf(ctx, req);
    const f = form(req);
    const pc = pageContext(ctx, req, reply, null);
    const again = (error: string, status: number) =>
      sendPage(
        reply,
        renderSignup(pc, {
          error,
          username: String(f.username ?? '').slice(0, 255),
          minPasswordLength: minLen,
        }),
        status,
      );
    const name = ctx.login.normalize(String(f.username ?? ''));
    const valid = ctx.login.policy.validate(name);
    if (!valid.ok) return again(`Invalid username: ${valid.reason}.`, 400);
    if (String(f.password ?? '') !== String(f.password_confirm ?? ''))
      return again('The two passwords are different.', 400);
    try {
      const r = await native.signup(name, String(f.password ?? ''));
      if (r.approved) await ctx.store.users.ensure(r.name);
      return sendPage(reply, renderSignup(pc, { created: true, requiresApproval: !r.approved }));
    } catch (e) {
      if (isHubError(e) && e.status < 500) return again(e.userMessage, e.status);
      throw e;
    }
  });

  const changePage = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const pc = pageContext(ctx, req, reply, p);
    if (req.method === 'GET')
      return sendPage(reply, renderChangePassword(pc, { minPasswordLength: minLen }));
    checkXsrf(ctx, req);
    const f = form(req);
    if (String(f.new_password ?? '') !== String(f.new_password_confirm ?? ''))
      return sendPage(
        reply,
        renderChangePassword(pc, {
          error: 'The two new passwords are different.',
          minPasswordLength: minLen,
        }),
        400,
      );
    try {
      const ok = await native.changePassword(
        p.user!.name,
        String(f.current_password ?? ''),
        String(f.new_password ?? ''),
      );
      if (!ok)
        return sendPage(
          reply,
          renderChangePassword(pc, {
            error: 'The current password is wrong.',
            minPasswordLength: minLen,
          }),
          403,
        );
      return sendPage(
        reply,
        renderChangePassword(pc, { success: true, minPasswordLength: minLen }),
      );
    } catch (e) {
      if (isHubError(e) && e.status < 500)
        return sendPage(
          reply,
          renderChangePassword(pc, { error: e.userMessage, minPasswordLength: minLen }),
          e.status,
        );
      throw e;
    }
  };
  app.get(`${hub}change-password`, changePage);
  app.post(`${hub}change-password`, changePage);

  const signups = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    if (!p.user?.admin || !p.scopes.has('admin:users'))
      throw new HubError('LABHUB_ERR_FORBIDDEN', 403, 'Only admins may approve sign-ups.');
    let approved: string | undefined;
    if (req.method === 'POST') {
      checkXsrf(ctx, req);
      const name = String(form(req).name ?? '');
      await native.approve(name);
      await ctx.store.users.ensure(name);
      ctx.log.info(`Sign-up of ${name} approved by ${p.user.name}`);
      approved = name;
    }
    const pending = await native.listPending();
    void principalOf;
    return sendPage(
      reply,
      renderSignups(pageContext(ctx, req, reply, p), {
        pending: pending.map((a) => ({ name: a.name, created: a.createdAt.toISOString() })),
        approved,
      }),
    );
  };
  app.get(`${hub}signups`, signups);
  app.post(`${hub}signups`, signups);
}
