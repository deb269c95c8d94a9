import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { activityRoutes } from './activity.js';
import { cspReportRoute } from './csp-report.js';
import { identityRoutes } from './identity.js';
import { labhubRoutes } from './labhub.js';
import { legacyRoutes } from './legacy.js';
import { linuxUserRoutes } from './linux-users.js';
import { metricsRoute } from './metrics.js';
import { proxyRoutes } from './proxy.js';
import { registerDeclared, requireDeclaredAccess, startRouteTable } from './route.js';
import { serverRoutes } from './servers.js';
import { serviceRoutes } from './services.js';
import { shutdownRoutes } from './shutdown.js';
import { unmatchedApiRoute } from './unmatched.js';
import { healthRoute, versionRoutes } from './version.js';
import { registerTokenRoutes } from './tokens.js';
import { registerUserRoutes } from './users.js';
import { registerGroupRoutes } from './groups.js';
import { registerShareRoutes } from './shares.js';

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
        ...serverRoutes(ctx),
        metricsRoute(ctx),
        ...proxyRoutes(ctx),
        ...shutdownRoutes(ctx),
        ...labhubRoutes(ctx),
        ...linuxUserRoutes(ctx),
        ...serviceRoutes(ctx),
        ...legacyRoutes(ctx),
        unmatchedApiRoute(app),
      ]);
    },
    { prefix: `${hubPrefix}api` },
  );
  await app.register(
    async (hub) => {
      hub.addHook('onRoute', requireDeclaredAccess);
      registerDeclared(hub, ctx, table, [metricsRoute(ctx), healthRoute(), cspReportRoute(ctx)]);
    },
    { prefix: hubPrefix.replace(/\/$/, '') },
  );
  // Not yet declared (being moved to core services): registered on the root instance.
  registerUserRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerGroupRoutes(app, ctx);
  registerShareRoutes(app, ctx);
}
