import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import {
  GROUPINGS,
  reportCsv,
  reportRange,
  usageDashboard,
  usageReport,
} from '../../core/usage/reports.js';
import { pageParams, paginationInfo } from './pagination.js';
import { route, type AnyRoute } from './route.js';

const Range = {
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
};

const UsageQuery = z
  .object({
    ...Range,
    by: z.enum(GROUPINGS as ['user', 'group', 'profile']).default('user'),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .loose();

const DashboardQuery = z.object(Range).loose();

/**
 * Usage reports (docs/usage-reports.md), admins only (they show every user's use):
 * `GET labhub/usage?from&to&by=user|group|profile&offset&limit&format=json|csv` and
 * `GET labhub/usage/dashboard?from&to` (the admin page's charts).
 */
export function usageRoutes(ctx: HubContext): AnyRoute[] {
  return [
    route({
      method: 'GET',
      url: '/labhub/usage',
      scopes: ['admin:users'],
      query: UsageQuery,
      handler: async (req, reply, { query }) => {
        const range = reportRange(query.from, query.to, ctx.clock.now());
        await ctx.usage.refresh();
        const page = pageParams(ctx, req, true);
        const report = await usageReport(ctx.store, { ...range, by: query.by, ...page });
        if (query.format === 'csv') {
          const name = `usage-by-${report.by}-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv`;
          return reply
            .type('text/csv; charset=utf-8')
            .header('Content-Disposition', `attachment; filename="${name}"`)
            .send(reportCsv(report));
        }
        return {
          from: report.from,
          to: report.to,
          by: report.by,
          items: report.items,
          _pagination: paginationInfo(req, report.offset, report.limit, report.total),
        };
      },
    }),
    route({
      method: 'GET',
      url: '/labhub/usage/dashboard',
      scopes: ['admin:users'],
      query: DashboardQuery,
      handler: async (_req, _reply, { query }) => {
        const now = ctx.clock.now();
        const range = query.from
          ? reportRange(query.from, query.to, now)
          : reportRange(new Date(now.getTime() - 7 * 86_400_000).toISOString(), query.to, now);
        await ctx.usage.refresh();
        return usageDashboard(ctx.store, range);
      },
    }),
  ];
}
