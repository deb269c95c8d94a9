import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { Principal } from '../../core/rbac/permissions.js';
import type { JsonObject } from '../../util/json.js';
import { pyQuote } from '../../util/py-quote.js';
import { checkServerName } from '../../util/names.js';
import { HubError, isHubError } from '../../errors.js';
import { requireScope } from '../guard.js';
import { safeNextUrl } from '../next-url.js';
import { pageContext, sendPage } from '../page-context.js';
import {
  renderError,
  renderNotRunning,
  renderSpawnForm,
  renderSpawnPending,
} from './render/index.js';
import type { SpawnProfileOption } from './render/spawn-pages.js';
import { BudgetUsedUp } from '../../core/usage/budget.js';
import { t } from '../i18n/index.js';
import { checkXsrf, requireNavigation } from '../xsrf.js';
import { pageUser } from './page-auth.js';

const esc = (s: string) => pyQuote(s, '@~');

/** KubeSpawner's `profile_options` of one profile, for the form (choices and free-text fields). */
function profileOptionsOf(raw: unknown): SpawnProfileOption[] | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  return Object.entries(raw as Record<string, Record<string, unknown>>).map(([name, o]) => {
    const choices = (o.choices ?? {}) as Record<string, Record<string, unknown>>;
    const unlisted = o.unlisted_choice as Record<string, unknown> | undefined;
    return {
      name,
      displayName: String(o.display_name ?? name),
      choices: Object.entries(choices).map(([slug, c]) => ({
        slug,
        displayName: String(c.display_name ?? slug),
        default: !!c.default,
      })),
      unlisted: unlisted?.enabled ? String(unlisted.display_name ?? '') : undefined,
    };
  });
}

/** /hub/spawn[/<user>[/<server>]] and /hub/spawn-pending/<user>[/<server>] (§7.1, §7.2). */
export function registerSpawnRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;

  const target = async (req: FastifyRequest, p: Principal) => {
    const params = req.params as Record<string, string>;
    const userName = params.user ?? p.user!.name;
    const serverName = params.server ?? '';
    await requireScope(ctx, p, ['start:servers', 'servers'], {
      server: `${userName}/${serverName}`,
    });
    const user = userName === p.user!.name ? p.user! : await ctx.users.find(userName);
    if (!user)
      throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such user: ${userName.slice(0, 64)}`);
    if (serverName && !ctx.settings.allowNamedServers)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'Named servers are not enabled on this hub.',
      );
    const named = checkServerName(serverName);
    if (!named.ok)
      throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `Invalid server name: ${named.reason}.`);
    return { user, serverName };
  };
  /** /hub/spawn or /hub/spawn-pending of one server, keeping `next`. */
  const pageUrl = (page: string, userName: string, serverName: string, next: string) =>
    `${hub}${page}/${esc(userName)}${serverName ? `/${esc(serverName)}` : ''}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
  const pendingUrl = (userName: string, serverName: string, next: string) =>
    pageUrl('spawn-pending', userName, serverName, next);

  /** The logged-in principal, the server the path names, the safe `next` and its row. */
  const resolve = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return null;
    const { user, serverName } = await target(req, p);
    const next = safeNextUrl(
      (req.query as Record<string, string>)?.next,
      req.headers.host,
      ctx.settings.baseUrl,
    );
    const rec = await ctx.store.servers.get(user.id, serverName);
    return { p, user, serverName, next, rec };
  };

  const spawnPage = async (req: FastifyRequest, reply: FastifyReply) => {
    const r = await resolve(req, reply);
    if (!r) return reply;
    const { p, user, serverName, next, rec } = r;
    if (rec?.status === 'running')
      return reply.redirect(next || ctx.spawns.prefix(user.name, serverName), 302);
    if (rec?.status === 'spawning' || rec?.status === 'stopping')
      return reply.redirect(pendingUrl(user.name, serverName, next), 302);
    const profiles = ctx.settings.spawner.extra.profile_list;
    const optionsForm = ctx.settings.spawner.extra.options_form;
    let userOptions: JsonObject | null = null;
    const q = req.query as Record<string, string>;
    const optKeys = Object.keys(q ?? {}).filter((k) => k.startsWith('opt-'));
    if (req.method === 'POST') {
      checkXsrf(ctx, req);
      const form = (req.body ?? {}) as Record<string, unknown>;
      userOptions = {};
      for (const [k, v] of Object.entries(form))
        if (k !== '_xsrf') userOptions[k] = Array.isArray(v) ? (v as string[]) : String(v);
    } else if (optKeys.length) {
      userOptions = Object.fromEntries(optKeys.map((k) => [k.slice(4), q[k]]));
    } else if (
      (Array.isArray(profiles) && profiles.length) ||
      (typeof optionsForm === 'string' && optionsForm)
    ) {
      const pc = pageContext(ctx, req, reply, p);
      const list = Array.isArray(profiles)
        ? (profiles as Array<Record<string, unknown>>).map((pr, i) => ({
            slug: String(pr.slug ?? `profile-${i}`),
            displayName: String(pr.display_name ?? pr.slug ?? `Profile ${i + 1}`),
            description: pr.description ? String(pr.description) : undefined,
            default: !!pr.default,
            options: profileOptionsOf(pr.profile_options),
          }))
        : undefined;
      return sendPage(
        reply,
        renderSpawnForm(pc, {
          userName: user.name,
          serverName,
          next,
          profiles: list,
          optionsFormHtml: typeof optionsForm === 'string' ? optionsForm : undefined,
        }),
      );
    }
    // A GET may start (and, for a new name, create) a server only as a navigation (V5).
    if (req.method !== 'POST') requireNavigation(req, 'starts a server');
    try {
      await ctx.spawns.start(user, serverName, userOptions, { waitMs: 0 });
    } catch (e) {
      // The monthly budget is used up: say so here, in the page's language.
      if (e instanceof BudgetUsedUp) {
        const pc = pageContext(ctx, req, reply, p);
        const message = t(pc.lang, 'spawn.budgetUsed', {
          used: e.usedHours,
          limit: e.limitHours,
          date: e.resetsAt.toISOString().slice(0, 10),
        });
        return sendPage(reply, renderError(pc, { status: 403, message }), 403);
      }
      if (!isHubError(e) || e.status >= 500 || e.status === 429) throw e;
    }
    return reply.redirect(pendingUrl(user.name, serverName, next), 302);
  };
  for (const path of [`${hub}spawn`, `${hub}spawn/:user`, `${hub}spawn/:user/:server`]) {
    app.get(path, spawnPage);
    app.post(path, spawnPage);
  }

  const pending = async (req: FastifyRequest, reply: FastifyReply) => {
    const r = await resolve(req, reply);
    if (!r) return reply;
    const { p, user, serverName, next, rec } = r;
    const pc = pageContext(ctx, req, reply, p);
    const spawnUrl = pageUrl('spawn', user.name, serverName, next);
    if (rec?.status === 'running')
      return reply.redirect(next || ctx.spawns.prefix(user.name, serverName), 302);
    if (rec?.status === 'spawning' || rec?.status === 'stopping') {
      const api = `${hub}api/users/${esc(user.name)}`;
      const progressUrl = serverName
        ? `${api}/servers/${esc(serverName)}/progress`
        : `${api}/server/progress`;
      return sendPage(
        reply,
        renderSpawnPending(pc, { userName: user.name, serverName, progressUrl, nextUrl: req.url }),
      );
    }
    if (rec?.lastError)
      return sendPage(
        reply,
        renderNotRunning(pc, { userName: user.name, serverName, spawnUrl, error: rec.lastError }),
        500,
      );
    return sendPage(
      reply,
      renderNotRunning(pc, { userName: user.name, serverName, spawnUrl }),
      200,
    );
  };
  app.get(`${hub}spawn-pending/:user`, pending);
  app.get(`${hub}spawn-pending/:user/:server`, pending);
}
