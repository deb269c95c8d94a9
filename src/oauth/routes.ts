import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../core/context.js';
import { handleAuthorize } from './authorize.js';
import { handleToken } from './token.js';

/** The OAuth 2 provider endpoints (authorization code + PKCE). */
export function registerOAuthRoutes(app: FastifyInstance, ctx: HubContext): void {
  const base = `${ctx.settings.hubPrefix}api/oauth2`;
  app.get(`${base}/authorize`, (req, reply) => handleAuthorize(ctx, req, reply));
  app.post(`${base}/authorize`, (req, reply) => handleAuthorize(ctx, req, reply));
  app.post(`${base}/token`, (req, reply) => handleToken(ctx, req, reply));
}
