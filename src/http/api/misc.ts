import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { HubError } from '../../errors.js';
import { principalOf } from '../principal.js';
import { requireApi } from '../guard.js';
import { jsonBody } from './params.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';

/** Metrics, proxy table, shutdown. */
export function registerMiscApiRoutes(app: FastifyInstance, ctx: HubContext): void {
  const api = `${ctx.settings.hubPrefix}api`;
  const metrics = async (
    req: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
  ) => {
    if (ctx.settings.authenticatePrometheus) await requireApi(ctx, req, ['read:metrics']);
    const m = await ctx.metrics.render();
    return reply.header('Content-Type', m.contentType).send(m.body);
  };
  app.get(`${api}/metrics`, metrics);
  app.get(`${ctx.settings.hubPrefix}metrics`, metrics);

  // Paginated like /users, except that `items` (and the bare reply) is a dict routespec → route.
  app.get(`${api}/proxy`, async (req) => {
    await requireApi(ctx, req, ['proxy']);
    const paginated = wantsPagination(req);
    const { offset, limit } = pageParams(ctx, req, paginated);
    const routes = [...(await ctx.proxy.getAllRoutes())].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const out: Record<string, unknown> = {};
    for (const [spec, r] of routes.slice(offset, offset + limit))
      out[spec] = { routespec: spec, target: r.target, data: r.data };
    return paginated
      ? { items: out, _pagination: paginationInfo(req, offset, limit, routes.length) }
      : out;
  });
  app.post(`${api}/proxy`, async (req) => {
    await requireApi(ctx, req, ['proxy']);
    await ctx.spawns.restoreRoutes();
    return {};
  });

  app.patch(`${api}/proxy`, async (req) => {
    await requireApi(ctx, req, ['proxy']);
    const b = req.body;
    if (b === null || typeof b !== 'object' || Array.isArray(b))
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'Request body must be a JSON object: {"api_url"?: "http://…", "auth_token"?: "…"}',
      );
    const body = b as Record<string, unknown>;
    for (const k of ['api_url', 'auth_token'])
      if (k in body && typeof body[k] !== 'string')
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${k} must be a string`);
    if (typeof body.api_url === 'string' && !/^https?:\/\/[^/]+/.test(body.api_url))
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `api_url must be an http(s) URL such as http://127.0.0.1:8001, got '${body.api_url.slice(0, 80)}'`,
      );
    if (body.api_url !== undefined || body.auth_token !== undefined) {
      // Moving the proxy needs support from the proxy object (ManagedProxy.reconfigure).
      const movable = ctx.proxy as {
        reconfigure?: (o: { apiUrl?: string; authToken?: string }) => Promise<void> | void;
      };
      if (!movable.reconfigure)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          'This hub cannot switch to another proxy at runtime; change ConfigurableHTTPProxy.api_url / auth_token in the config and restart the hub',
        );
      await movable.reconfigure({
        apiUrl: body.api_url as string | undefined,
        authToken: body.auth_token as string | undefined,
      });
    }
    await ctx.spawns.restoreRoutes();
    return {};
  });

  app.post(`${api}/shutdown`, async (req, reply) => {
    await requireApi(ctx, req, ['shutdown']);
    const body = jsonBody(req);
    for (const k of ['proxy', 'servers'])
      if (k in body && typeof body[k] !== 'boolean')
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${k} must be true or false`);
    if (!ctx.shutdown)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'This hub cannot be shut down through the API',
      );
    // As in JupyterHub, what the body leaves out follows JupyterHub.cleanup_proxy/cleanup_servers.
    const opts = {
      proxy: typeof body.proxy === 'boolean' ? body.proxy : ctx.settings.cleanupProxy,
      servers: typeof body.servers === 'boolean' ? body.servers : ctx.settings.cleanupServers,
    };
    ctx.log.info(
      `Shutdown requested through the API: stopping the hub${opts.servers ? ', every user server' : ''}${opts.proxy ? ' and the proxy' : ''}`,
    );
    setTimeout(() => void ctx.shutdown!(opts), 50);
    return reply.code(202).send({ message: 'Shutting down Hub' });
  });

  app.post(`${ctx.settings.hubPrefix}security/csp-report`, async (req, reply) => {
    const p = await principalOf(ctx, req);
    if (!p)
      throw new HubError('LABHUB_ERR_NOT_AUTHENTICATED', 403, 'Missing or invalid credentials.');
    ctx.metrics.cspReports.inc();
    ctx.log.warn(
      { report: typeof req.body === 'string' ? req.body.slice(0, 2000) : req.body },
      'Content security violation',
    );
    return reply.code(200).send('');
  });
}
