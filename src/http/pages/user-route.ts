import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { pyQuote } from '../../util/py-quote.js';
import { HubError } from '../../errors.js';
import { holds } from '../guard.js';
import { pageContext, sendPage } from '../page-context.js';
import { principalOf } from '../principal.js';
import { renderNotRunning } from './render/index.js';
import { checkXsrf } from '../xsrf.js';
import { pageUser } from './page-auth.js';

const esc = (s: string) => pyQuote(s, '@~');

function looksLikeApi(req: FastifyRequest, rest: string): boolean {
  const accept = String(req.headers.accept ?? '');
  const prefersJson = accept.includes('application/json') && !accept.includes('text/html');
  return prefersJson || rest.split('/').includes('api');
}

/**
 * /hub/user/<name>/<path>: a request for a user server that reached the hub (§7.1): the server is
 * ready (send the browser back, counting redirects), starting (progress page), or not running
 * (424 with a start button, or JSON for API calls).
 */
export function registerUserRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = req.params as Record<string, string>;
    const name = params.name;
    const rest = params['*'] ?? '';
    const [path, query = ''] = req.url.split(/\?(.*)/s);
    void path;
    const user = await ctx.users.find(name);
    const firstSeg = rest.split('/')[0];
    // fastify has already percent-decoded the wildcard: the segment is the server name as is.
    const segName = firstSeg;
    const named =
      user && segName && ctx.settings.allowNamedServers
        ? await ctx.store.servers.get(user.id, segName)
        : null;
    const serverName = named ? named.name : '';
    const serverPrefix = ctx.spawns.prefix(name, serverName);
    const restAfter = named ? rest.split('/').slice(1).join('/') : rest;
    const originalPath = `${serverPrefix}${restAfter}`;
    const spawnUrl = `${hub}spawn/${esc(name)}${serverName ? `/${esc(serverName)}` : ''}?next=${encodeURIComponent(`${hub}user/${esc(name)}/${rest}${query ? `?${query}` : ''}`)}`;
    const notRunningJson = () =>
      reply
        .code(ctx.settings.spawner.extra.use_legacy_stopped_server_status_code ? 503 : 424)
        .send({
          status: 424,
          message: `JupyterHub server no longer running at ${originalPath}. Restart the server at ${hub}spawn/${esc(name)}${serverName ? `/${esc(serverName)}` : ''}`,
          code: 'LABHUB_ERR_SERVER_NOT_RUNNING',
        });

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const p = await principalOf(ctx, req);
      if (!p || p.via === 'cookie') checkXsrf(ctx, req);
      return notRunningJson();
    }
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    if (!user || !(await holds(ctx, p, ['access:servers'], { server: `${name}/${serverName}` }))) {
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `No access to the server of ${name.slice(0, 64)}, or it does not exist.`,
      );
    }
    const rec = await ctx.store.servers.get(user.id, serverName);
    if (rec?.status === 'running') {
      const sp = new URLSearchParams(query);
      const redirects = Number(sp.get('redirects') ?? '0') || 0;
      if (redirects >= 4)
        throw new HubError(
          'LABHUB_ERR_INTERNAL',
          500,
          `Redirect loop detected for ${originalPath}: the proxy did not route it to the running server. Check that users connect through the public port (JupyterHub.port), not the hub's own port.`,
        );
      if (redirects > 0)
        await new Promise((r) => setTimeout(r, Math.min(2 ** redirects, 10) * 100));
      if (redirects > 0) await ctx.spawns.restoreRoutes().catch(() => undefined);
      sp.set('redirects', String(redirects + 1));
      return reply.redirect(`${originalPath}?${sp.toString()}`, 302);
    }
    if (looksLikeApi(req, rest)) return notRunningJson();
    if (rec?.status === 'spawning' || rec?.status === 'stopping') {
      return reply.redirect(
        `${hub}spawn-pending/${esc(name)}${serverName ? `/${esc(serverName)}` : ''}?next=${encodeURIComponent(req.url)}`,
        303,
      );
    }
    const pc = pageContext(ctx, req, reply, p);
    return sendPage(
      reply,
      renderNotRunning(pc, {
        userName: name,
        serverName,
        spawnUrl,
        error: rec?.lastError ?? undefined,
        implicitSpawnSeconds: ctx.settings.implicitSpawnSeconds,
      }),
      424,
    );
  };
  for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    app.route({ method: m, url: `${hub}user/:name/*`, handler });
  }
  app.get(`${hub}user/:name`, async (req, reply) =>
    reply.redirect(`${req.url.split('?')[0]}/`, 301),
  );

  app.get(`${hub}user-redirect/*`, async (req, reply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const rest = (req.params as Record<string, string>)['*'] ?? '';
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const me = p.user!.name;
    return reply.redirect(
      `${hub}spawn/${esc(me)}?next=${encodeURIComponent(`${ctx.spawns.prefix(me, '')}${rest}${query}`)}`,
      302,
    );
  });
}
