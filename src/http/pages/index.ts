import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { registerAssetRoutes } from './assets.js';
import { registerHomeRoutes } from './home.js';
import { registerLoginRoutes } from './login.js';
import { registerOAuthLoginRoutes } from './oauth-login.js';
import { registerNewPasswordRoutes } from './new-password.js';
import { registerSpawnRoutes } from './spawn.js';
import { registerUserRoutes } from './user-route.js';
import { registerNativeRoutes } from './native.js';
import { registerAcceptShareRoutes } from './accept-share.js';
import { registerUsageRoutes } from './usage.js';
import { registerEnvironmentRoutes } from './environment.js';

/** Every HTML page route. */
export function registerPageRoutes(app: FastifyInstance, ctx: HubContext): void {
  registerLoginRoutes(app, ctx);
  registerOAuthLoginRoutes(app, ctx);
  registerNewPasswordRoutes(app, ctx);
  registerNativeRoutes(app, ctx);
  registerAcceptShareRoutes(app, ctx);
  registerSpawnRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerAssetRoutes(app, ctx);
  registerUsageRoutes(app, ctx);
  registerEnvironmentRoutes(app, ctx);
  registerHomeRoutes(app, ctx);
}
