import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { pageContext, sendPage } from '../page-context.js';
import { checkXsrf } from '../xsrf.js';
import { renderAcceptShare } from './render/accept-share-page.js';
import { pageUser } from './page-auth.js';

/**
 * /hub/accept-share?code=…: GET shows who shares what (404 unknown or expired code, 403 for your
 * own server); POST exchanges the code for a share and opens the server.
 */
export function registerAcceptShareRoutes(app: FastifyInstance, ctx: HubContext): void {
  const path = `${ctx.settings.hubPrefix}accept-share`;
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    const code = String((req.query as Record<string, unknown>)?.code ?? '');
    const found = await ctx.shareCodes.forAcceptance(code, p.user!);
    const label = `${found.server.ownerName}/${found.server.name}`;
    if (req.method === 'GET') {
      return sendPage(
        reply,
        renderAcceptShare(pageContext(ctx, req, reply, p), {
          owner: found.server.ownerName,
          server: label,
          action: req.url,
        }),
      );
    }
    checkXsrf(ctx, req);
    await ctx.shareCodes.accept(code, p.user!);
    ctx.log.info(`${p.user!.name} accepted a share of ${label}`);
    return reply.redirect(ctx.spawns.prefix(found.server.ownerName, found.server.name), 302);
  };
  app.get(path, handler);
  app.post(path, handler);
}
