import type { HubContext } from '../../core/context.js';
import { HubError } from '../../errors.js';
import { principalOf } from '../principal.js';
import { route, type AnyRoute } from './route.js';

/** `POST /hub/security/csp-report` (below the hub prefix): browsers report CSP violations. */
export function cspReportRoute(ctx: HubContext): AnyRoute {
  return route({
    method: 'POST',
    url: '/security/csp-report',
    scopes: {
      selfAuthorizing: 'any logged-in browser (cookie or token), without XSRF: browsers send it',
    },
    handler: async (req, reply) => {
      const p = await principalOf(ctx, req);
      if (!p)
        throw new HubError('LABHUB_ERR_NOT_AUTHENTICATED', 403, 'Missing or invalid credentials.');
      ctx.metrics.cspReports.inc();
      ctx.log.warn(
        { report: typeof req.body === 'string' ? req.body.slice(0, 2000) : req.body },
        'Content security violation',
      );
      return reply.code(200).send('');
    },
  });
}
