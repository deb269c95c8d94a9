import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { activityRoutes } from './activity.js';
import { cspReportRoute } from './csp-report.js';
import { identityRoutes } from './identity.js';
import { labhubRoutes } from './labhub.js';
import { usageRoutes } from './usage.js';
import { legacyRoutes } from './legacy.js';
import { linuxUserRoutes } from './linux-users.js';
import { metricsRoute } from './metrics.js';
import { oauthRoutes } from './oauth.js';
import { proxyRoutes } from './proxy.js';
import { registerDeclared, requireDeclaredAccess, startRouteTable } from './route.js';
import { serverRoutes } from './servers.js';
import { serviceRoutes } from './services.js';
import { shutdownRoutes } from './shutdown.js';
import { unmatchedApiRoute } from './unmatched.js';
import { healthRoute, versionRoutes } from './version.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';
import { groupRoutes } from './groups.js';
import { shareRoutes } from './shares.js';

/**
 * Every REST route under /hub/api (one plugin with that prefix), and the few API-like routes
 * directly under /hub (metrics, health, csp-report). Each is declared with route(); the table of
 * declared routes is `declaredApiRoutes(app)`.
 */
export async function registerApiRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  const table = startRouteTable(app);
  const hubPrefix = ctx.settings.hubPrefix;
  await app.register(
    async (api) => {
      api.addHook('onRoute', requireDeclaredAccess);
      registerDeclared(api, ctx, table, [
        ...versionRoutes(ctx),
        ...identityRoutes(ctx),
        ...activityRoutes(ctx),
        ...userRoutes(ctx),
        ...serverRoutes(ctx),
        ...tokenRoutes(ctx),
        metricsRoute(ctx),
        ...proxyRoutes(ctx),
        ...shutdownRoutes(ctx),
        ...labhubRoutes(ctx),
        ...usageRoutes(ctx),
        ...linuxUserRoutes(ctx),
        ...groupRoutes(ctx),
        ...serviceRoutes(ctx),
        ...shareRoutes(ctx),
        ...legacyRoutes(ctx),
        ...oauthRoutes(ctx),
        unmatchedApiRoute(app),
      ]);
    },
    { prefix: `${hubPrefix}api` },
  );
  await app.register(
    async (hub) => {
      hub.addHook('onRoute', requireDeclaredAccess);
      registerDeclared(hub, ctx, table, [metricsRoute(ctx), healthRoute(ctx), cspReportRoute(ctx)]);
    },
    { prefix: hubPrefix.replace(/\/$/, '') },
  );
}
