import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import { HubError } from '../../errors.js';
import { route, type AnyRoute } from './route.js';

const ShutdownBody = z
  .object({
    proxy: z.boolean({ error: 'proxy must be true or false' }).optional(),
    servers: z.boolean({ error: 'servers must be true or false' }).optional(),
  })
  .loose();

/** `POST /shutdown`: stop the hub (and, as asked or configured, the proxy and servers). */
export function shutdownRoutes(ctx: HubContext): AnyRoute[] {
  return [
    route({
      method: 'POST',
      url: '/shutdown',
      scopes: ['shutdown'],
      body: ShutdownBody,
      handler: async (_req, reply, { body }) => {
        if (!ctx.shutdown)
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            'This hub cannot be shut down through the API',
          );
        // As in JupyterHub, what the body leaves out follows JupyterHub.cleanup_proxy/cleanup_servers.
        const opts = {
          proxy: body.proxy ?? ctx.settings.cleanupProxy,
          servers: body.servers ?? ctx.settings.cleanupServers,
        };
        ctx.log.info(
          `Shutdown requested through the API: stopping the hub${opts.servers ? ', every user server' : ''}${opts.proxy ? ' and the proxy' : ''}`,
        );
        setTimeout(() => void ctx.shutdown!(opts), 50);
        return reply.code(202).send({ message: 'Shutting down Hub' });
      },
    }),
  ];
}
