import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import { boundedInt } from '../../core/bounded-input.js';
import { ts } from './models.js';
import { route, type AnyRoute } from './route.js';

const SpawnFailuresQuery = z
  .object({
    limit: z
      .unknown()
      .optional()
      .transform((v) =>
        v === undefined ? 50 : boundedInt(v, 'limit', { min: 1, max: 200, text: true }),
      ),
  })
  .loose();

/**
 * labhub's own additions under /hub/api/labhub/ (outside JupyterHub's API, so no client can
 * collide with them). `GET spawn-failures`: the most recent failed spawns with their reasons.
 */
export function labhubRoutes(ctx: HubContext): AnyRoute[] {
  return [
    route({
      method: 'GET',
      url: '/labhub/spawn-failures',
      scopes: ['admin:servers'],
      query: SpawnFailuresQuery,
      handler: async (_req, _reply, { query }) => {
        const rows = await ctx.store.servers.recentFailures(query.limit);
        return {
          items: rows.map((r) => ({
            user: r.userName,
            server: r.name,
            started: ts(r.started),
            error: r.lastError,
            status: r.status,
          })),
        };
      },
    }),
  ];
}
