import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { isHubError } from '../../errors.js';
import { reportRange, usageDashboard } from '../../core/usage/reports.js';
import { pageContext, sendPage } from '../page-context.js';
import { renderError, renderUsage } from './render/index.js';
import { pageUser } from './page-auth.js';

/**
 * `GET /hub/admin/usage?from=YYYY-MM-DD&to=YYYY-MM-DD`: the usage dashboard (default: the last
 * seven days). Admins with the admin-ui and admin:users scopes (what the usage API needs).
 */
export function registerUsageRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  app.get(`${hub}admin/usage`, async (req, reply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const pc = pageContext(ctx, req, reply, p);
    if (!p.scopes.has('admin-ui') || !p.scopes.has('admin:users'))
      return sendPage(
        reply,
        renderError(pc, {
          status: 403,
          message: 'You need the admin-ui and admin:users scopes to see the usage reports.',
        }),
        403,
      );
    const q = req.query as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 40) : undefined);
    const now = ctx.clock.now();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const fromDay =
      str(q.from) ?? new Date(today.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
    const toDay = str(q.to) ?? new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10);
    let range;
    try {
      range = reportRange(fromDay, toDay, now);
    } catch (e) {
      if (!isHubError(e)) throw e;
      return sendPage(reply, renderError(pc, { status: 400, message: e.userMessage }), 400);
    }
    await ctx.usage.refresh();
    const data = await usageDashboard(ctx.store, range);
    return sendPage(reply, renderUsage(pc, { ...data, fromDay, toDay }));
  });
}
