/**
 * HTTP forwarding through an undici Pool with a dispatch handler: the response streams to the
 * client with backpressure (pause/resume), the upstream request is aborted as soon as the
 * client goes away, and every failure ends in exactly one of: an error page (nothing sent yet)
 * or destroying the client response (headers already sent). Nothing is left pending.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Plane } from './plane.js';
import { originKey, type RouteEntry } from './routes.js';
import { forwardHeaders } from './headers.js';
import { RequestBody } from './request-body.js';
import { forwardToHubs } from './hub-targets.js';

const RESPONSE_HOP_SET = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);
const REDIRECT = new Set([201, 301, 302, 307, 308]);

class ClientGone extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGone';
  }
}

/**
 * Undici's native (v1) handler interface: no wrapper layer and raw header buffers, which we
 * turn straight into a flat header list for writeHead (no parse/re-serialize round trip).
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;
  private status = 0;
  private done = false;
  private pendingAbort = false;

  constructor(
    private readonly plane: Plane,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly entry: RouteEntry,
    private readonly body: RequestBody | null,
    private readonly target: URL,
    /** For a failure before any response: true when the request was sent elsewhere (hub-targets.ts). */
    private readonly onFail?: (err: Error) => boolean,
  ) {
    res.once('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (this.done) return;
    // The client left before we finished: abort the upstream request (frees its socket).
    if (this.abortUpstream) this.abortUpstream(new ClientGone());
    else this.pendingAbort = true;
  };

  private readonly onDrain = (): void => {
    this.resumeUpstream?.();
  };

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.pendingAbort || this.res.destroyed) abort(new ClientGone());
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx informational: not relayed
    this.status = statusCode;
    this.resumeUpstream = resume;
    const res = this.res;
    if (res.destroyed) return true;
    const opts = this.plane.opts;
    const rewrite = (opts.autoRewrite || opts.protocolRewrite) && REDIRECT.has(statusCode);
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1');
      const lower = k.toLowerCase();
      if (RESPONSE_HOP_SET.has(lower)) continue;
      let v = raw[i + 1]!.toString('latin1');
      if (rewrite && lower === 'location') v = rewriteLocation(v, this.target, this.req, opts);
      out.push(k, v);
    }
    res.writeHead(statusCode, statusText || undefined, out);
    this.plane.metrics?.requestsProxy.labels(String(statusCode)).inc();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.destroyed) return true;
    if (!this.res.write(chunk)) {
      this.res.once('drain', this.onDrain);
      return false;
    }
    return true;
  }

  onComplete(): void {
    if (!this.finish()) return;
    if (this.status < 300) this.entry.lastActivity = Date.now();
    if (!this.res.destroyed) this.res.end();
  }

  onError(err: Error): void {
    if (!this.finish()) return;
    const res = this.res;
    if (err instanceof ClientGone || res.destroyed) {
      if (!res.destroyed) res.destroy();
      return;
    }
    if (res.headersSent) {
      // Upstream died mid-response: the client must see a broken response, not a short one.
      this.plane.log.error(
        '%s %s upstream failed mid-response: %s',
        this.req.method,
        this.req.url?.split('?', 1)[0],
        describe(err),
      );
      res.destroy();
      return;
    }
    if (this.onFail?.(err)) return;
    this.plane.proxyError(503, this.req, res, err);
  }

  /** Bookkeeping once per request; false if it already ran. */
  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.plane.inFlight--;
    this.res.removeListener('close', this.onClientClose);
    this.res.removeListener('drain', this.onDrain);
    this.body?.release();
    return true;
  }
}

function describe(err: Error): string {
  const code = (err as { code?: string }).code;
  return code ? `${code} ${err.message}` : err.message;
}

function rewriteLocation(
  location: string,
  target: URL,
  req: IncomingMessage,
  opts: Plane['opts'],
): string {
  let u: URL;
  try {
    u = new URL(location, target);
  } catch {
    return location;
  }
  if (u.host !== target.host) return location;
  if (opts.autoRewrite && req.headers.host) u.host = req.headers.host;
  if (opts.protocolRewrite) u.protocol = opts.protocolRewrite;
  return u.toString();
}

/**
 * Forward one HTTP request to `entry`'s target with path `outPath`; with `to`, to that target
 * (one of the route's hub replicas, chosen by hub-targets.ts), with its body when it was buffered.
 */
export function forwardHttp(
  plane: Plane,
  req: IncomingMessage,
  res: ServerResponse,
  entry: RouteEntry,
  outPath: string,
  to?: { target: URL; onFail: (err: Error) => boolean; body?: Buffer },
): void {
  if (
    !to &&
    forwardToHubs(plane, req, entry, (target, onFail, body) =>
      forwardHttp(plane, req, res, entry, outPath, { target, onFail, body }),
    )
  )
    return;
  const target = to?.target ?? entry.target;
  const h = req.headers;
  const hasBody =
    h['transfer-encoding'] !== undefined ||
    (h['content-length'] !== undefined && h['content-length'] !== '0');
  if (hasBody) entry.lastActivity = Date.now();
  const headers = forwardHeaders(
    plane.opts,
    req,
    false,
    plane.opts.changeOrigin ? target.host : undefined,
  );
  const timeout = plane.opts.proxyTimeout ?? 0;
  plane.inFlight++;
  // A body buffered by hub-targets.ts (so it can be sent again) is read already.
  const body = hasBody && !to?.body ? new RequestBody(req) : null;
  const handler = new ForwardHandler(plane, req, res, entry, body, target, to?.onFail);
  try {
    plane.upstreams.get(originKey(target)).dispatch(
      {
        path: outPath,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: to?.body ?? body?.stream ?? null,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        // Never retry a request on another socket on our own: the client decides.
        idempotent: false,
        blocking: false,
      },
      handler,
    );
  } catch (err) {
    // Synchronous validation errors (e.g. an invalid header value from the client).
    handler.onError(err as Error);
  }
}
