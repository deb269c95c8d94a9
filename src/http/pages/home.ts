import { httpsStatus } from '../../core/https-setup.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { pageContext, sendPage } from '../page-context.js';
import { principalOf } from '../principal.js';
import { renderAdmin, renderError, renderHome, renderToken } from './render/index.js';
import { pageUser } from './page-auth.js';
import { landingUrl } from './landing.js';
import { ts } from '../api/models.js';
import { tokenModel } from '../api/tokens.js';
import { t } from '../i18n/index.js';

/** /hub/, /hub/home, /hub/token, /hub/admin, /hub/error/<code>, and the redirects into /hub/. */
export function registerHomeRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  const base = ctx.settings.baseUrl;

  app.get(hub, async (req, reply) => {
    if (ctx.settings.defaultUrl) return reply.redirect(ctx.settings.defaultUrl, 302);
    const p = await principalOf(ctx, req);
    if (!p?.user) return reply.redirect(`${hub}login?next=${encodeURIComponent(hub)}`, 302);
    return reply.redirect(await landingUrl(ctx, p.user), 302);
  });
  app.get(hub.replace(/\/$/, ''), async (_req, reply) => reply.redirect(hub, 301));

  app.get(`${hub}home`, async (req, reply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const servers = await ctx.store.servers.forUser(p.user!.id);
    if (!servers.some((s) => s.name === ''))
      servers.unshift({
        id: 0,
        userId: p.user!.id,
        name: '',
        displayName: null,
        status: 'stopped',
        target: null,
        state: {},
        userOptions: {},
        started: null,
        lastActivity: null,
        lastError: null,
        serverVersion: null,
        ownerReplica: null,
      });
    const pc = pageContext(ctx, req, reply, p);
    return sendPage(
      reply,
      renderHome(pc, {
        servers: servers.map((s) => ({
          name: s.name,
          displayName: s.displayName ?? undefined,
          url: ctx.spawns.prefix(p.user!.name, s.name),
          ready: s.status === 'running',
          pending: ctx.spawns.pendingOf(s),
          lastActivity: ts(s.lastActivity),
          started: ts(s.started),
        })),
        allowNamedServers: ctx.settings.allowNamedServers,
        namedServerLimit: ctx.settings.namedServerLimitPerUser,
      }),
    );
  });

  app.get(`${hub}token`, async (req, reply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const tokens = await ctx.tokens.list(p.user!);
    const models = await Promise.all(tokens.map((t) => tokenModel(ctx, p.user!, t)));
    const pc = pageContext(ctx, req, reply, p);
    return sendPage(
      reply,
      renderToken(pc, {
        tokens: models.map((m) => ({
          id: String(m.id),
          note: (m.note as string) ?? null,
          created: m.created as string,
          lastActivity: m.last_activity as string | null,
          expiresAt: m.expires_at as string | null,
          scopes: m.scopes as string[],
          oauthClient: m.oauth_client as string,
        })),
      }),
    );
  });

  app.get(`${hub}admin`, async (req, reply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const pc = pageContext(ctx, req, reply, p);
    if (!p.scopes.has('admin-ui'))
      return sendPage(
        reply,
        renderError(pc, {
          status: 403,
          message: 'You need the admin-ui scope to open the admin page.',
        }),
        403,
      );
    // Accounts the hub keeps (native): the admin page links the sign-ups to approve.
    const accounts = p.user!.admin ? (ctx.login.authenticator.selfService ?? null) : null;
    return sendPage(
      reply,
      renderAdmin(pc, {
        allowNamedServers: ctx.settings.allowNamedServers,
        pageSize: ctx.settings.pageDefaultLimit,
        signupsUrl: accounts ? `${hub}signups` : undefined,
        pendingSignups: accounts ? await accounts.countPending() : undefined,
        linuxAccounts: ctx.users.linuxAccountsAvailable,
        https: httpsStatus(ctx.settings),
        sharedEnv: !!ctx.settings.sharedEnvDir,
      }),
    );
  });

  const errorPage = async (req: FastifyRequest, reply: FastifyReply) => {
    const code = Number((req.params as Record<string, string>).code) || 500;
    const status = code >= 400 && code < 600 ? code : 500;
    const url = (req.query as Record<string, string>)?.url;
    const p = await principalOf(ctx, req).catch(() => null);
    const pc = pageContext(ctx, req, reply, p);
    const message =
      status === 503
        ? t(pc.lang, url ? 'error.serverDownAt' : 'error.serverDown', {
            url: String(url ?? '').slice(0, 200),
          })
        : undefined;
    return sendPage(reply, renderError(pc, { status, message }), status);
  };
  app.get(`${hub}error/:code`, errorPage);

  // Browsers ask for /favicon.ico on every page, also on a user server's non-HTML answers (the
  // proxy sends /favicon.ico to the hub, which redirects it here): answer with the logo, not 404.
  app.get(`${hub}favicon.ico`, async (_req, reply) =>
    reply.header('Cache-Control', 'public, max-age=86400').redirect(`${hub}logo`, 302),
  );

  // Anything outside /hub/ that reaches the hub: GET → the same path under /hub/ (§7.1).
  app.get(`${base}user/:name`, async (req, reply) =>
    reply.redirect(`${req.url.split('?')[0]}/`, 301),
  );
  app.get(`${base}*`, async (req, reply) => {
    const rest = req.url.slice(base.length);
    if (req.url.startsWith(hub)) {
      // sendPage: the 404 page carries the page CSP like every other page.
      return sendPage(
        reply,
        renderError(pageContext(ctx, req, reply, await principalOf(ctx, req).catch(() => null)), {
          status: 404,
          message: `No page at ${req.url.split('?')[0]}`,
        }),
        404,
      );
    }
    return reply.redirect(`${hub}${rest}`, 302);
  });
}
