import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { boundedInt } from '../../core/bounded-input.js';
import { requireApi } from '../guard.js';
import { ts } from './models.js';

/**
 * labhub's own additions under /hub/api/labhub/ (outside JupyterHub's API, so no client can
 * collide with them). `GET spawn-failures`: the most recent failed spawns with their reasons.
 */
export function registerLabhubApiRoutes(app: FastifyInstance, ctx: HubContext): void {
  app.get(`${ctx.settings.hubPrefix}api/labhub/spawn-failures`, async (req) => {
    await requireApi(ctx, req, ['admin:servers']);
    const raw = (req.query as Record<string, unknown>).limit;
    const limit =
      raw === undefined ? 50 : boundedInt(raw, 'limit', { min: 1, max: 200, text: true });
    const rows = await ctx.store.servers.recentFailures(limit);
    return {
      items: rows.map((r) => ({
        user: r.userName,
        server: r.name,
        started: ts(r.started),
        error: r.lastError,
        status: r.status,
      })),
    };
  });
}
