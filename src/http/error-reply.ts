/**
 * Every error answer of the hub, in one shape: `{status, message, code}` (JupyterHub's shape plus
 * our code) on API paths and for JSON clients, an error page otherwise. Covers our HubErrors,
 * fastify's own errors (body too large, bad JSON, bad URL, …), and malformed HTTP requests.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import { HubError, isHubError } from '../errors.js';
import { bareContext, pageContext, sendPage } from './page-context.js';
import { principalOf } from './principal.js';
import { renderError } from './pages/render/index.js';
import { MAX_PARAM_LENGTH } from './api/unmatched.js';

/** The hub's request body limit (fastify's bodyLimit). */
export const BODY_LIMIT = 10 * 1024 * 1024;
/**
 * A refused body up to this size is read and discarded rather than cut off: closing a socket
 * with unread data sends a TCP reset, and a client (often labhub-proxy) still writing the body
 * then loses our 413 and sees a broken connection instead.
 */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/** Paths below the hub prefix that answer JSON errors. */
export function isApiPath(ctx: HubContext, url: string): boolean {
  return url.startsWith(`${ctx.settings.hubPrefix}api`);
}

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

/** fastify's own errors (codes FST_ERR_*) as HubErrors with messages a person can act on. */
export function fromFastifyError(req: FastifyRequest, e: { code?: string; message?: string }) {
  const path = req.url.split('?')[0].slice(0, 200);
  const ct = String(req.headers['content-type'] ?? '').slice(0, 80);
  const bad = (status: number, message: string) =>
    new HubError('LABHUB_ERR_BAD_REQUEST', status, message);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const declared = Number(req.headers['content-length']);
      return bad(
        413,
        `Request body too large: the limit is ${BODY_LIMIT} bytes (${mb(BODY_LIMIT)})${
          Number.isFinite(declared) && declared > BODY_LIMIT
            ? `, this request declared ${declared} bytes`
            : ''
        }. Send a smaller body.`,
      );
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return bad(415, `Unsupported Content-Type '${ct}': send application/json`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return bad(400, 'The request body does not match its Content-Length header');
    case 'FST_ERR_CTP_EMPTY_TYPE':
    case 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE':
      return bad(
        400,
        `${req.method} ${path} has a body but no Content-Type: send application/json`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return bad(400, `Request body is not valid JSON: send a JSON object`);
    case 'FST_ERR_BAD_URL':
      return bad(
        400,
        `The URL path '${path}' is not valid (a '%' must start a percent-encoded byte such as %2F; write '%' itself as %25)`,
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return bad(
        414,
        `A part of the URL path ${path.slice(0, 80)}… is longer than ${MAX_PARAM_LENGTH} characters`,
      );
    default:
      return bad(400, e.message ?? 'Bad request');
  }
}

/** Read and discard the rest of a refused body (see {@link DRAIN_LIMIT}); keep the connection. */
function drainRefusedBody(req: FastifyRequest, reply: FastifyReply): void {
  const raw = req.raw;
  const declared = Number(req.headers['content-length']);
  if (raw.complete || raw.destroyed || declared > DRAIN_LIMIT) return;
  // fastify asked to close the connection; we read the rest instead, so it stays usable.
  reply.removeHeader('connection');
  let seen = 0;
  raw.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_LIMIT) raw.socket?.destroy();
  });
  raw.resume();
}

/**
 * One place that turns any error into a response: HubError → its status and message (JSON with
 * code for the API, a page otherwise); fastify's 4xx errors → the same shape; anything else → 500
 * with an error id that is also logged, never a stack trace.
 */
export async function sendError(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
  thrown: unknown,
  opts: { unrouted?: boolean } = {},
): Promise<FastifyReply> {
  let err = thrown;
  const e = thrown as { statusCode?: number; code?: string; message?: string };
  if (!isHubError(thrown) && e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    err = fromFastifyError(req, e);
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') drainRefusedBody(req, reply);
  }
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
    errorId = randomBytes(6).toString('hex');
    message = `Unexpected error (error id ${errorId}). The hub administrator can find the details in the log.`;
    ctx.log.error({ err, errorId, url: req.url, method: req.method }, `Unhandled error ${errorId}`);
  }
  if (reply.sent) return reply;
  if (isApiPath(ctx, req.url) || String(req.headers.accept ?? '').startsWith('application/json')) {
    return reply
      .code(status)
      .header('Content-Type', 'application/json')
      .send({ status, message, code, ...(errorId ? { error_id: errorId } : {}) });
  }
  const pc = opts.unrouted
    ? bareContext(ctx, req)
    : pageContext(ctx, req, reply, await principalOf(ctx, req).catch(() => null));
  return sendPage(reply, renderError(pc, { status, message, errorId }), status);
}

/**
 * A request so malformed that no route sees it (bad request line, headers too large, timeout):
 * answered in the same JSON shape, then the connection is closed (as Node does).
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message =
    status === 408
      ? 'The request was not received in time: send it again'
      : status === 431
        ? 'The request headers are too large: send fewer or smaller headers (cookies?)'
        : `Malformed HTTP request (${String(err.code ?? 'parse error').slice(0, 40)})`;
  const body = JSON.stringify({ status, message, code: 'LABHUB_ERR_BAD_REQUEST' });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}
