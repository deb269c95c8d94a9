import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { HubError, isHubError } from '../../errors.js';
import { pageContext, sendPage } from '../page-context.js';
import { checkXsrf } from '../xsrf.js';
import { renderChangePassword, renderSignup } from './render/index.js';
import { renderSignups } from './render/signups-page.js';
import { pageUser } from './page-auth.js';

/** The user message when `enable_signup` is false (the page localizes it). */
export const SIGNUP_OFF_MESSAGE =
  'Sign-up is turned off on this hub. Ask an administrator for an account.';

/**
 * The pages of an authenticator whose accounts the hub keeps (the `selfService` capability;
 * native): sign-up (`/hub/signup`, when `enable_signup`), change password, and the admins' list
 * of sign-ups to approve or discard (`/hub/signups`; NativeAuthenticator's `/hub/authorize`
 * redirects there).
 */
export function registerNativeRoutes(app: FastifyInstance, ctx: HubContext): void {
  const native = ctx.login.authenticator.selfService;
  if (!native) return;
  const hub = ctx.settings.hubPrefix;
  const minLen = native.minimumPasswordLength;
  const form = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
  const field = (f: Record<string, unknown>, ...names: string[]) => {
    for (const n of names) if (typeof f[n] === 'string') return f[n];
    return '';
  };
  const signupOff = () =>
    new HubError('LABHUB_ERR_NOT_FOUND', 404, SIGNUP_OFF_MESSAGE, {
      logMessage: 'sign-up page requested while NativeAuthenticator.enable_signup is false',
    });
  const signupPage = {
    minPasswordLength: minLen,
    requiresApproval: !native.openSignup,
    askEmail: native.askEmail,
  };

  app.get(`${hub}signup`, async (req, reply) => {
    if (!native.signupEnabled) throw signupOff();
    return sendPage(reply, renderSignup(pageContext(ctx, req, reply, null), signupPage));
  });
  app.post(`${hub}signup`, async (req, reply) => {
    if (!native.signupEnabled) throw signupOff();
    checkXsrf(ctx, req);
    const f = form(req);
    const pc = pageContext(ctx, req, reply, null);
    const email = field(f, 'email').slice(0, 300);
    const again = (error: string, status: number) =>
      sendPage(
        reply,
        renderSignup(pc, {
          ...signupPage,
          error,
          username: field(f, 'username').slice(0, 255),
          email,
        }),
        status,
      );
    const name = ctx.login.normalize(field(f, 'username'));
    const valid = ctx.login.policy.validate(name);
    if (!valid.ok) return again(`Invalid username: ${valid.reason}.`, 400);
    // NativeAuthenticator's own form names the fields signup_password(_confirmation).
    const password = field(f, 'password', 'signup_password');
    if (password !== field(f, 'password_confirm', 'signup_password_confirmation'))
      return again('The two passwords are different.', 400);
    try {
      const r = await native.signup({ username: name, password, email });
      if (r.approved) await ctx.store.users.ensure(r.name);
      return sendPage(
        reply,
        renderSignup(pc, { ...signupPage, created: true, requiresApproval: !r.approved }),
      );
    } catch (e) {
      if (isHubError(e) && e.status < 500) return again(e.userMessage, e.status);
      throw e;
    }
  });

  const changePage = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const pc = pageContext(ctx, req, reply, p);
    const show = (extra: { error?: string; success?: boolean }, status = 200) =>
      sendPage(reply, renderChangePassword(pc, { minPasswordLength: minLen, ...extra }), status);
    if (req.method === 'GET') {
      // The admins' form on /hub/signups asks for a name: go to that user's page.
      const other = (req.query as Record<string, unknown>)?.user;
      if (typeof other === 'string' && other.trim())
        return reply.redirect(`${hub}change-password/${encodeURIComponent(other.trim())}`, 302);
      return show({});
    }
    checkXsrf(ctx, req);
    const f = form(req);
    if (field(f, 'new_password') !== field(f, 'new_password_confirm'))
      return show({ error: 'The two new passwords are different.' }, 400);
    try {
      const ok = await native.changePassword(
        p.user!.name,
        field(f, 'current_password'),
        field(f, 'new_password'),
      );
      return ok ? show({ success: true }) : show({ error: 'The current password is wrong.' }, 403);
    } catch (e) {
      if (isHubError(e) && e.status < 500) return show({ error: e.userMessage }, e.status);
      throw e;
    }
  };
  app.get(`${hub}change-password`, changePage);
  app.post(`${hub}change-password`, changePage);

  // An admin sets another user's password (NativeAuthenticator's /hub/change-password/<name>).
  const adminChangePage = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    if (!p.user?.admin || !p.scopes.has('admin:users'))
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        'Only admins may set other users’ passwords.',
      );
    const name = ctx.login.normalize((req.params as Record<string, string>).name ?? '');
    if (!(await native.hasAccount(name)))
      throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No native account is called ${name}.`);
    const pc = pageContext(ctx, req, reply, p);
    const show = (extra: { error?: string; success?: boolean }, status = 200) =>
      sendPage(
        reply,
        renderChangePassword(pc, { minPasswordLength: minLen, forUser: name, ...extra }),
        status,
      );
    if (req.method === 'GET') return show({});
    checkXsrf(ctx, req);
    const f = form(req);
    if (field(f, 'new_password') !== field(f, 'new_password_confirm'))
      return show({ error: 'The two new passwords are different.' }, 400);
    try {
      await native.setPassword(name, field(f, 'new_password'));
      ctx.log.info(`Password of ${name} set by ${p.user.name}`);
      return show({ success: true });
    } catch (e) {
      if (isHubError(e) && e.status < 500) return show({ error: e.userMessage }, e.status);
      throw e;
    }
  };
  app.get(`${hub}change-password/:name`, adminChangePage);
  app.post(`${hub}change-password/:name`, adminChangePage);

  const signups = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    if (!p.user?.admin || !p.scopes.has('admin:users'))
      throw new HubError('LABHUB_ERR_FORBIDDEN', 403, 'Only admins may approve sign-ups.');
    let done: { approved?: string; discarded?: string } = {};
    if (req.method === 'POST') {
      checkXsrf(ctx, req);
      const f = form(req);
      const name = ctx.login.normalize(field(f, 'name'));
      const action = field(f, 'action') || 'approve';
      if (action === 'approve') {
        await native.approve(name);
        await ctx.store.users.ensure(name);
        ctx.log.info(`Sign-up of ${name} approved by ${p.user.name}`);
        done = { approved: name };
      } else if (action === 'discard') {
        await native.discard(name);
        ctx.log.info(`Sign-up of ${name} discarded by ${p.user.name}`);
        done = { discarded: name };
      } else
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `Unknown action ${JSON.stringify(action.slice(0, 32))}: expected approve or discard.`,
        );
    }
    const pending = await native.listPending();
    return sendPage(
      reply,
      renderSignups(pageContext(ctx, req, reply, p), {
        pending: pending.map((a) => ({
          name: a.name,
          created: a.createdAt.toISOString(),
          email: a.email ?? null,
        })),
        askEmail: native.askEmail,
        ...done,
      }),
    );
  };
  app.get(`${hub}signups`, signups);
  app.post(`${hub}signups`, signups);
  // NativeAuthenticator's name for this page, so bookmarks and its docs keep working.
  app.get(`${hub}authorize`, async (_req, reply) => reply.redirect(`${hub}signups`, 302));
}
