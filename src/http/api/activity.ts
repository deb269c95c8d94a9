import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import { HubError } from '../../errors.js';
import { param, userOr404 } from './params.js';
import { boundedDate } from '../../core/bounded-input.js';
import { route, type AnyRoute } from './route.js';

/** Timestamps more than this far in the future are refused (JupyterHub: 59 minutes). */
const MAX_FUTURE_MS = 59 * 60 * 1000;

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

/** `POST /hub/api/users/:name/activity` (§2.2): servers report activity; never moves backwards. */
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
        if (!('last_activity' in body) && !('servers' in body))
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            'body has no activity: expected last_activity and/or servers',
          );
        // Not further in the future than MAX_FUTURE_MS (clock skew); never past year 9999.
        const when = (v: unknown, name: string) =>
          boundedDate(v, name, {
            max: new Date(Date.now() + MAX_FUTURE_MS),
            maxReason: 'is in the future',
          });
        const updates: Array<() => Promise<void>> = [];
        for (const [serverName, info] of Object.entries(body.servers ?? {})) {
          const rec = await ctx.store.servers.get(user.id, serverName);
          if (!rec)
            throw new HubError(
              'LABHUB_ERR_BAD_REQUEST',
              400,
              `No such server '${serverName}' for user ${user.name}`,
            );
          const la = (info as Record<string, unknown> | null)?.last_activity;
          if (la === undefined)
            throw new HubError(
              'LABHUB_ERR_BAD_REQUEST',
              400,
              `servers['${serverName}'] needs last_activity`,
            );
          const at = when(la, `servers['${serverName}'].last_activity`);
          updates.push(() => ctx.store.servers.touch(rec.id, at));
        }
        if (body.last_activity !== undefined) {
          const at = when(body.last_activity, 'last_activity');
          updates.push(() => ctx.store.users.touch(user.id, at));
        }
        for (const u of updates) await u();
        return reply.code(200).send('');
      },
    }),
  ];
}
