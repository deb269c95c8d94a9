import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { Principal } from '../../core/rbac/permissions.js';
import { HubError } from '../../errors.js';
import { principalOf } from '../principal.js';

/**
 * The logged-in user of a page request (cookie, or a token header). Anonymous GETs are sent to
 * the login page with `next`; other anonymous requests get 403.
 */
export async function pageUser(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<Principal | null> {
  const p = await principalOf(ctx, req);
  if (p?.user) return p;
  if (req.method === 'GET' || req.method === 'HEAD') {
    void reply.redirect(`${ctx.settings.hubPrefix}login?next=${encodeURIComponent(req.url)}`, 302);
    return null;
  }
  throw new HubError('LABHUB_ERR_NOT_AUTHENTICATED', 403, 'You are not logged in.');
}
