/**
 * The data plane: the route table, the upstream pools, and the two request entry points
 * (plain HTTP and Upgrade). Routing decides the target and the outgoing path; forward.ts and
 * upgrade.ts move the bytes; error-page.ts answers when there is nowhere to send them.
 */
import { AcmeResponder } from './acme-responder.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProxyServerOptions } from './options.js';
import type { ProxyLogger } from './log.js';
import type { ProxyMetrics } from './metrics.js';
import { RouteTable, originKey, type RouteData, type RouteEntry } from './routes.js';
import { Upstreams } from './upstreams.js';
import { countSegments, decodePath, joinUrl, splitUrl, stripSegments } from './paths.js';
import { forwardHttp } from './forward.js';
import { forwardUpgrade } from './upgrade.js';
import { sendErrorPage } from './error-page.js';
import { ORIGINAL_URL_HEADER } from './haproxy/config.js';

const QUIET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'EPIPE',
  'ENOTFOUND',
  'ECONNABORTED',
]);

/** Route by the URL HAProxy saw before its rewrite, and do not send that header on. */
function restoreOriginalUrl(req: IncomingMessage): void {
  const orig = req.headers[ORIGINAL_URL_HEADER];
  if (typeof orig !== 'string') return;
  req.url = orig;
  delete req.headers[ORIGINAL_URL_HEADER];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2)
    if (raw[i]!.toLowerCase() === ORIGINAL_URL_HEADER) raw.splice(i, 2);
}

export class Plane {
  readonly table = new RouteTable();
  /** ACME HTTP-01 answers, served before any route. */
  readonly acme = new AcmeResponder();
  readonly upstreams: Upstreams;
  readonly log: ProxyLogger;
  metrics?: ProxyMetrics;
  inFlight = 0;
  openWs = 0;
  private poolSweep: NodeJS.Timeout | undefined;
  /**
   * Another engine serving the public port (HAProxy): the API waits for it to apply route
   * changes and asks it for route activity before listing routes.
   */
  engine?: { settled(): Promise<void>; refreshActivity(): Promise<void> };
  /** Called after every route change (the --workers primary forwards them to the workers). */
  onRouteChange?: (
    op: { t: 'add'; path: string; data: RouteData } | { t: 'remove'; path: string },
  ) => void;

  constructor(readonly opts: ProxyServerOptions) {
    this.log = opts.log;
    this.upstreams = new Upstreams({ insecure: opts.insecure, clientTls: opts.clientTls });
    if (opts.defaultTarget) this.addRoute('/', { target: opts.defaultTarget });
  }

  /** Add or replace a route (CHP adds `host` to the data under host routing). */
  addRoute(path: string, data: RouteData, quiet = false): RouteEntry {
    if (this.opts.hostRouting && path.replace(/^\/+|\/+$/g, '') !== '') {
      data.host = path.replace(/^\/+/, '').split('/')[0];
    }
    const e = this.table.add(path, data);
    if (!quiet) this.log.info('Route added %s -> %s', e.path, data.target);
    this.onRouteChange?.({ t: 'add', path: e.path, data });
    return e;
  }

  removeRoute(path: string, quiet = false): RouteEntry | undefined {
    const e = this.table.remove(path);
    if (e) {
      if (!quiet) this.log.info('Route removed %s', e.path);
      this.schedulePoolSweep();
      this.onRouteChange?.({ t: 'remove', path: e.path });
    }
    return e;
  }

  /** Close pools of origins that no route uses, a little later and at most once per second. */
  private schedulePoolSweep(): void {
    if (this.poolSweep) return;
    this.poolSweep = setTimeout(() => {
      this.poolSweep = undefined;
      const keep = this.table.origins();
      if (this.opts.errorTarget) keep.add(originKey(new URL(this.opts.errorTarget)));
      this.upstreams.retain(keep);
    }, 1000);
    this.poolSweep.unref();
  }

  private route(req: IncomingMessage): [RouteEntry, string] | undefined {
    if (this.opts.behindHaproxy) restoreOriginalUrl(req);
    const url = req.url ?? '/';
    const [rawPath, query] = splitUrl(url);
    let routing = decodePath(rawPath);
    if (this.opts.hostRouting) {
      const host = (req.headers.host ?? '').split(':')[0];
      routing = '/' + host + (routing.startsWith('/') ? routing : '/' + routing);
    }
    const entry = this.table.match(routing);
    if (!entry) return undefined;
    let rest = url;
    if (this.opts.includePrefix === false) {
      const n = countSegments(entry.path) - (this.opts.hostRouting && entry.path !== '/' ? 1 : 0);
      rest = n > 0 ? stripSegments(rawPath, n) + query : url;
    }
    const t = entry.target;
    let out: string;
    if (this.opts.prependPath === false || (t.pathname === '/' && !t.search)) {
      out = rest.startsWith('/') ? rest : joinUrl('/', rest);
    } else {
      out = joinUrl(t.pathname + t.search, rest);
    }
    return [entry, out];
  }

  /** Entry point for plain HTTP requests on the public port. */
  handleWeb = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.acme.handle(req, res)) return;
    if (req.url === '/_chp_healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"OK"}');
      return;
    }
    this.metrics?.requestsWeb.inc();
    const found = this.route(req);
    if (!found) {
      this.proxyError(404, req, res);
      return;
    }
    if (this.opts.timeout) req.socket.setTimeout(this.opts.timeout);
    if (this.log.debugEnabled)
      this.log.debug('PROXY WEB %s to %s', req.url?.split('?', 1)[0], found[0].data.target);
    forwardHttp(this, req, res, found[0], found[1]);
  };

  /** Entry point for Upgrade requests (WebSocket) on the public port. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.metrics?.requestsWs.inc();
    socket.on('error', () => socket.destroy());
    const found = this.route(req);
    if (!found) {
      this.proxyError(404, req, null);
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    if (this.log.debugEnabled)
      this.log.debug('PROXY WS %s to %s', req.url?.split('?', 1)[0], found[0].data.target);
    forwardUpgrade(this, req, socket, head, found[0], found[1]);
  };

  /**
   * Log a proxy error and, for HTTP (`res` given), send the error page. Known network errors
   * (target down, reset, timeout) are logged in one line without a stack.
   */
  proxyError(code: number, req: IncomingMessage, res: ServerResponse | null, err?: Error): void {
    this.metrics?.requestsProxy.labels(String(code)).inc();
    let msg = '';
    if (err) {
      const c = (err as { code?: string }).code;
      msg = c && QUIET_CODES.has(c) ? `${c} ${err.message}` : `${err.name}: ${err.message}`;
    }
    this.log.error('%s %s %s %s', code, req.method, (req.url ?? '').split('?', 1)[0], msg);
    if (res) sendErrorPage(this, req, res, code);
  }

  async close(): Promise<void> {
    if (this.poolSweep) clearTimeout(this.poolSweep);
    await this.upstreams.closeAll();
  }
}
