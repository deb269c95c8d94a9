import type { HubContext } from '../../core/context.js';
import { route, type AnyRoute } from './route.js';

/**
 * `GET /metrics` (Prometheus), registered below the API prefix and below the hub prefix. The
 * read:metrics scope is required only with JupyterHub.authenticate_prometheus (the default).
 */
export function metricsRoute(ctx: HubContext): AnyRoute {
  return route({
    method: 'GET',
    url: '/metrics',
    scopes: ['read:metrics'],
    enforce: () => ctx.settings.authenticatePrometheus,
    handler: async (_req, reply) => {
      const m = await ctx.metrics.render();
      return reply.header('Content-Type', m.contentType).send(m.body);
    },
  });
}
