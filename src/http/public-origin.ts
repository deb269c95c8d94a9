import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import { isSecure } from './xsrf.js';

/** The public origin of this request (`JupyterHub.public_url` when set), for absolute URLs given to providers. */
export function publicOrigin(ctx: HubContext, req: FastifyRequest): string {
  if (ctx.settings.publicUrl) return new URL(ctx.settings.publicUrl).origin;
  return `${isSecure(req, ctx) ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}
