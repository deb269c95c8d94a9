import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import { param, userOr404 } from './params.js';
import { route, type AnyRoute } from './route.js';

const ActivityBody = z
  .object({
    last_activity: z.unknown().optional(),
    servers: z
      .record(z.string(), z.unknown(), {
        error: 'servers must be an object of server name → {last_activity}',
      })
      .optional(),
  })
  .loose();

/** `POST /hub/api/users/:name/activity` (§2.2): servers report activity (rules: core/activity.ts). */
export function activityRoutes(ctx: HubContext): AnyRoute[] {
  return [
    route({
      method: 'POST',
      url: '/users/:name/activity',
      scopes: ['users:activity'],
      resource: (req) => ({ user: param(req, 'name') }),
      body: ActivityBody,
      handler: async (req, reply, { body }) => {
        const user = await userOr404(ctx, param(req, 'name'));
        await ctx.activity.record(user, {
          // "key present" matters: `{last_activity: null}` is a bad timestamp, not no activity.
          lastActivity: 'last_activity' in body ? (body.last_activity ?? null) : undefined,
          servers: body.servers,
        });
        return reply.code(200).send('');
      },
    }),
  ];
}
