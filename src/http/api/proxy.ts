import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import { HubError } from '../../errors.js';
import { pageParams, paginationInfo, wantsPagination } from './pagination.js';
import { route, type AnyRoute } from './route.js';
import { parseWith } from './route-input.js';

/** PATCH /proxy: a body is required (an empty one is refused, unlike other routes). */
const ProxyPatch = z.object(
  {
    api_url: z
      .string({ error: 'api_url must be a string' })
      .refine((v) => /^https?:\/\/[^/]+/.test(v), {
        error: (iss) =>
          `api_url must be an http(s) URL such as http://127.0.0.1:8001, got '${String(iss.input).slice(0, 80)}'`,
      })
      .optional(),
    auth_token: z.string({ error: 'auth_token must be a string' }).optional(),
  },
  { error: 'Request body must be a JSON object: {"api_url"?: "http://…", "auth_token"?: "…"}' },
);

/** The proxy's route table: read it, re-add every route, or move to another proxy (§4.5). */
export function proxyRoutes(ctx: HubContext): AnyRoute[] {
  return [
    // Paginated like /users, except that `items` (and the bare reply) is a dict routespec → route.
    route({
      method: 'GET',
      url: '/proxy',
      scopes: ['proxy'],
      handler: async (req) => {
        const paginated = wantsPagination(req);
        const { offset, limit } = pageParams(ctx, req, paginated);
        const routes = [...(await ctx.proxy.getAllRoutes())].sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        );
        const out: Record<string, unknown> = {};
        for (const [spec, r] of routes.slice(offset, offset + limit))
          out[spec] = { routespec: spec, target: r.target, data: r.data };
        return paginated
          ? { items: out, _pagination: paginationInfo(req, offset, limit, routes.length) }
          : out;
      },
    }),
    route({
      method: 'POST',
      url: '/proxy',
      scopes: ['proxy'],
      handler: async () => {
        await ctx.spawns.restoreRoutes();
        return {};
      },
    }),
    route({
      method: 'PATCH',
      url: '/proxy',
      scopes: ['proxy'],
      handler: async (req) => {
        const body = parseWith(ProxyPatch, req.body, 'body');
        if (body.api_url !== undefined || body.auth_token !== undefined) {
          // Moving the proxy needs support from the proxy object (ManagedProxy.reconfigure).
          const movable = ctx.proxy as {
            reconfigure?: (o: { apiUrl?: string; authToken?: string }) => Promise<void> | void;
          };
          if (!movable.reconfigure)
            throw new HubError(
              'LABHUB_ERR_BAD_REQUEST',
              400,
              'This hub cannot switch to another proxy at runtime; change ConfigurableHTTPProxy.api_url / auth_token in the config and restart the hub',
            );
          await movable.reconfigure({ apiUrl: body.api_url, authToken: body.auth_token });
        }
        await ctx.spawns.restoreRoutes();
        return {};
      },
    }),
  ];
}
