import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { HubError } from '../../errors.js';
import { principalOf } from '../principal.js';
import { requireApi } from '../guard.js';
import { jsonBody } from './params.js';

/** Metrics, proxy table, shutdown. */
export function registerMiscApiRoutes(app: FastifyInstance, ctx: HubContext): void {
  const api = `${ctx.settings.hubPrefix}api`;
  const metrics = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    if (ctx.settings.authenticatePrometheus) await requireApi(ctx, req, ['read:metrics']);
    const m = await ctx.metrics.render();
    return reply.header('Content-Type', m.contentType).send(m.body);
  };
  app.get(`${api}/metrics`, metrics);
  app.get(`${ctx.settings.hubPrefix}metrics`, metrics);

  app.get(`${api}/proxy`, async (req) => {
    await requireApi(ctx, req, ['proxy']);
    const routes = await ctx.proxy.getAllRoutes();
    const out: Record<string, unknown> = {};
    for (const [spec, r] of routes) out[spec] = { routespec: spec, target: r.target, data: r.data };
    return out;
  });
  app.post(`${api}/proxy`, async (req) => {
    await requireApi(ctx, req, ['proxy']);
    await ctx.spawns.restoreRoutes();
    return {};
  });

  app.post(`${api}/shutdown`, async (req, reply) => {
    await requireApi(ctx, req, ['shutdown']);
    const body = jsonBody(req);
    for (const k of ['proxy', 'servers']) if (k in body && typeof body[k] !== 'boolean') throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${k} must be true or false`);
    if (!ctx.shutdown) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'This hub cannot be shut down through the API');
    setTimeout(() => void ctx.shutdown!({ proxy: body.proxy === true, servers: body.servers === true }), 50);
    return reply.code(202).send({ message: 'Shutting down Hub' });
  });

  app.post(`${ctx.settings.hubPrefix}security/csp-report`, async (req, reply) => {
    const p = await principalOf(ctx, req);
    if (!p) throw new HubError('LABHUB_ERR_NOT_AUTHENTICATED', 403, 'Missing or invalid credentials.');
    ctx.metrics.cspReports.inc();
    ctx.log.warn({ report: typeof req.body === 'string' ? req.body.slice(0, 2000) : req.body }, 'Content security violation');
    return reply.code(200).send('');
  });
}
