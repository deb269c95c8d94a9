import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { HubContext } from '../core/context.js';
import { isHubError } from '../errors.js';
import { pageContext, sendPage } from './page-context.js';
import { principalOf } from './principal.js';
import { renderError } from './pages/render/index.js';
import { registerApiRoutes } from './api/index.js';
import { registerPageRoutes } from './pages/index.js';
import { registerOAuthRoutes } from '../oauth/routes.js';

/** Paths below the hub prefix that answer JSON errors. */
function isApiPath(ctx: HubContext, url: string): boolean {
  return url.startsWith(`${ctx.settings.hubPrefix}api`);
}

/** Build the hub's HTTP application (pages, REST API, OAuth provider). Wiring only. */
export async function createApp(ctx: HubContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 2000 },
    bodyLimit: 10 * 1024 * 1024,
    trustProxy: '127.0.0.1',
    return503OnClosing: false,
    forceCloseConnections: true,
  });
  await app.register(cookie);
  await app.register(formbody);

  // JSON that tolerates an empty body (DELETE from the idle culler, POST without body).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body ?? '');
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('Request body is not valid JSON') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
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
  });
  app.addHook('onResponse', async (req, reply) => {
    const handler = req.routeOptions?.url ?? 'unknown';
    ctx.metrics.requestDuration.observe(
      { method: req.method, handler, code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler(async (err, req, reply) => sendError(ctx, req, reply, err));
  app.setNotFoundHandler(async (req, reply) => {
    if (isApiPath(ctx, req.url))
      return reply
        .code(404)
        .send({ status: 404, message: 'Not Found', code: 'LABHUB_ERR_NOT_FOUND' });
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

  registerApiRoutes(app, ctx);
  registerOAuthRoutes(app, ctx);
  registerPageRoutes(app, ctx);
  return app;
}

/**
 * One place that turns any error into a response: HubError → its status and message (JSON with
 * code for the API, a page otherwise); anything else → 500 with an error id that is also logged,
 * never a stack trace.
 */
export async function sendError(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
): Promise<FastifyReply> {
  let status = 500;
  let message: string;
  let code = 'LABHUB_ERR_INTERNAL';
  let errorId: string | undefined;
  if (isHubError(err)) {
    status = err.status;
    message = err.userMessage;
    code = err.code;
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    if (err.logMessage) ctx.log.warn({ code, url: req.url }, err.logMessage);
    if (status >= 500) ctx.log.error({ code, url: req.url }, message);
  } else {
    const e = err as { statusCode?: number; message?: string; code?: string };
    if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode;
      message =
        e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'Request body too large'
          : (e.message ?? 'Bad request');
      code = status === 415 ? 'LABHUB_ERR_BAD_REQUEST' : 'LABHUB_ERR_BAD_REQUEST';
    } else {
      errorId = randomBytes(6).toString('hex');
      message = `Unexpected error (error id ${errorId}). The hub administrator can find the details in the log.`;
      ctx.log.error(
        { err, errorId, url: req.url, method: req.method },
        `Unhandled error ${errorId}`,
      );
    }
  }
  if (reply.sent) return reply;
  if (isApiPath(ctx, req.url) || String(req.headers.accept ?? '').startsWith('application/json')) {
    return reply
      .code(status)
      .header('Content-Type', 'application/json')
      .send({ status, message, code, ...(errorId ? { error_id: errorId } : {}) });
  }
  const p = await principalOf(ctx, req).catch(() => null);
  return sendPage(
    reply,
    renderError(pageContext(ctx, req, reply, p), { status, message, errorId }),
    status,
  );
}
