import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { HubContext } from '../core/context.js';
import { HubError } from '../errors.js';
import { pageContext, sendPage, type PageCustomization } from './page-context.js';
import { principalOf } from './principal.js';
import { logRequest } from './access-log.js';
import { renderError } from './pages/render/index.js';
import { registerApiRoutes } from './api/index.js';
import { registerPageRoutes } from './pages/index.js';
import { MAX_PARAM_LENGTH, unmatchedApiError } from './api/unmatched.js';
import { BODY_LIMIT, clientErrorHandler, isApiPath, sendError } from './error-reply.js';

/**
 * Build the hub's HTTP application (pages, REST API, OAuth provider). Wiring only. `pages` is
 * this hub's page customisation (template overrides), kept on the app, not in a module variable.
 */
export async function createApp(
  ctx: HubContext,
  pages: PageCustomization = {},
): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    logger: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    bodyLimit: BODY_LIMIT,
    trustProxy: '127.0.0.1',
    return503OnClosing: false,
    forceCloseConnections: true,
    // A URL fastify cannot route (bad percent-encoding, over-long part): our shape, our headers.
    frameworkErrors: (err, req, reply) => {
      commonHeaders(ctx, req, reply);
      void sendError(ctx, req, reply, err, { unrouted: true });
    },
    clientErrorHandler,
  });
  app.decorate('labhubPages', pages);
  await app.register(cookie);
  await app.register(formbody);

  // JSON that tolerates an empty body (DELETE from the idle culler, POST without body).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body ?? '');
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      const why = (e as Error).message.slice(0, 120);
      done(
        new HubError('LABHUB_ERR_BAD_REQUEST', 400, `Request body is not valid JSON (${why})`),
        undefined,
      );
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => commonHeaders(ctx, req, reply));
  app.addHook('onResponse', async (req, reply) => {
    const handler = req.routeOptions?.url ?? 'unknown';
    ctx.metrics.requestDuration.observe(
      { method: req.method, handler, code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    await logRequest(ctx, req, reply);
  });

  app.setErrorHandler(async (err, req, reply) => sendError(ctx, req, reply, err));
  app.setNotFoundHandler(async (req, reply) => {
    // Methods fastify does not route (PROPFIND, …) on API paths: 405 or 404 like the others.
    if (isApiPath(ctx, req.url)) return sendError(ctx, req, reply, unmatchedApiError(app, req));
    const p = await principalOf(ctx, req).catch(() => null);
    return sendPage(
      reply,
      renderError(pageContext(ctx, req, reply, p), {
        status: 404,
        message: `No page at ${req.url.split('?')[0]}`,
      }),
      404,
    );
  });

  await registerApiRoutes(app, ctx);
  registerPageRoutes(app, ctx);
  return app;
}

/** Headers on every hub response (also on errors raised before routing). */
function commonHeaders(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-JupyterHub-Version', ctx.settings.jupyterhubVersion);
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Referrer-Policy', 'same-origin');
  if (isApiPath(ctx, req.url)) {
    reply.header('Access-Control-Allow-Headers', 'accept, content-type, authorization');
    reply.header(
      'Content-Security-Policy',
      `frame-ancestors 'none'; report-uri ${ctx.settings.hubPrefix}security/csp-report; default-src 'none'`,
    );
  } else {
    reply.header('X-Frame-Options', 'DENY');
  }
}
