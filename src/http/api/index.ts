import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { registerActivityRoutes } from './activity.js';
import { registerIdentityRoutes } from './identity.js';
import { registerServerRoutes } from './servers.js';
import { registerTokenRoutes } from './tokens.js';
import { registerUserRoutes } from './users.js';
import { registerVersionRoutes } from './version.js';
import { registerMiscApiRoutes } from './misc.js';
import { registerLabhubApiRoutes } from './labhub.js';
import { registerLinuxUserRoutes } from './linux-users.js';
import { registerGroupRoutes } from './groups.js';
import { registerServiceRoutes } from './services.js';
import { registerShareRoutes } from './shares.js';
import { registerLegacyRoutes } from './legacy.js';

/** Every REST route under /hub/api. */
export function registerApiRoutes(app: FastifyInstance, ctx: HubContext): void {
  registerVersionRoutes(app, ctx);
  registerIdentityRoutes(app, ctx);
  registerActivityRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerServerRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerMiscApiRoutes(app, ctx);
  registerLabhubApiRoutes(app, ctx);
  registerLinuxUserRoutes(app, ctx);
  registerGroupRoutes(app, ctx);
  registerServiceRoutes(app, ctx);
  registerShareRoutes(app, ctx);
  registerLegacyRoutes(app, ctx);
}
