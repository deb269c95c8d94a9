import type { HubContext } from '../../core/context.js';
import { route, type AnyRoute } from './route.js';

/** `GET /hub/api[/]`, health, info, OPTIONS (below the API prefix). */
export function versionRoutes(ctx: HubContext): AnyRoute[] {
  return [
    // '/' below the prefix answers both /hub/api and /hub/api/.
    route({
      method: 'GET',
      url: '/',
      scopes: { public: 'the hub version, for clients that check compatibility before logging in' },
      handler: async (_req, reply) => {
        reply.header('Access-Control-Allow-Origin', '*');
        return { version: ctx.settings.jupyterhubVersion };
      },
    }),
    // fastify answers HEAD for every GET route.
    healthRoute(ctx),
    route({
      method: 'OPTIONS',
      url: '/*',
      scopes: { public: 'CORS preflight: answers every API path' },
      handler: async (_req, reply) => reply.code(200).send(''),
    }),
    route({
      method: 'GET',
      url: '/info',
      scopes: ['read:hub'],
      handler: async () => ({
        version: ctx.settings.jupyterhubVersion,
        labhub_version: ctx.settings.labhubVersion,
        python: 'n/a (labhub is written in TypeScript)',
        sys_executable: process.execPath,
        spawner: { class: ctx.settings.spawnerClass, version: ctx.settings.labhubVersion },
        authenticator: { class: ctx.login.authenticatorId, version: ctx.settings.labhubVersion },
      }),
    }),
  ];
}

/**
 * `GET /health`, below the API prefix and below the hub prefix. As JupyterHub: 200 with an empty
 * body. labhub adds whether this replica can serve (docs/high-availability.md): 503 with the
 * reason when it cannot, and the header X-Labhub-Replica (`<id>; leader` or `<id>; follower`).
 */
export function healthRoute(ctx: HubContext): AnyRoute {
  return route({
    method: 'GET',
    url: '/health',
    scopes: { public: 'liveness probe for load balancers and the proxy' },
    handler: async (_req, reply) => {
      reply.header('Content-Type', 'text/plain');
      const r = ctx.replica;
      if (!r) return reply.code(200).send('');
      reply.header('X-Labhub-Replica', `${r.id}; ${r.isLeader ? 'leader' : 'follower'}`);
      const h = r.health();
      return h.ok
        ? reply.code(200).send('')
        : reply.code(503).send(`This hub replica cannot serve: ${h.reason}.\n`);
    },
  });
}
