/**
 * The hub's client of a configurable-http-proxy REST API (labhub-proxy, CHP, or any compatible
 * proxy). Implements the {@link Proxy} contract: routespecs in JupyterHub's form
 * ("/user/alice/", or "host/user/alice/" with host routing) are converted to CHP paths
 * ("/user/alice", "/host/user/alice") and back exactly as JupyterHub does, `jupyterhub: true`
 * is added to every route's data, and routes without it are not ours (ignored on read).
 * Connection errors and 5xx answers are retried with backoff for a bounded time.
 * undici is loaded on the first request, not with the hub's modules (it is ~75 ms of a start).
 */
import type { Pool, errors } from 'undici';
import { HubError } from '../errors.js';
import type { JsonObject } from '../util/json.js';
import type { Proxy, Route, RouteToAdd } from './types.js';
import { findDotSegment } from '../util/dot-segments.js';

/** Options of {@link ChpClient}. */
export interface ChpClientOptions {
  /** Base URL of the REST API, e.g. "http://127.0.0.1:8001". */
  apiUrl: string;
  /** CONFIGPROXY_AUTH_TOKEN shared with the proxy. */
  authToken: string;
  /** Routespecs carry a host ("host/path/") instead of starting with "/". */
  hostRouting?: boolean;
  /** Requests in flight at most (JupyterHub: 10). */
  concurrency?: number;
  /** How long connection errors / 5xx are retried before giving up (ms, default 30 000). */
  retryFor?: number;
  /** Timeout of one API request (ms, default 10 000). */
  requestTimeout?: number;
  log?: { warn(msg: string): void; debug?(msg: string): void };
}

/** Python's urllib.parse.quote(s, safe='@/~'): what JupyterHub does to paths read from CHP. */
export function quotePath(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%2F/g, '/')
    .replace(/%40/g, '@');
}

/**
 * Routespec → CHP path: leading '/' ensured, trailing '/' removed (except the root).
 * Throws HubError LABHUB_ERR_PROXY for a routespec without its trailing '/', and
 * LABHUB_ERR_UNSAFE_ROUTE for one with a dot segment (a proxy would resolve `/user/../` to `/`,
 * the hub's own route).
 */
export function routespecToChpPath(routespec: string, hostRouting = false): string {
  const dot = findDotSegment(routespec);
  if (dot !== null) {
    throw new HubError(
      'LABHUB_ERR_UNSAFE_ROUTE',
      500,
      `Refusing to send the proxy the route spec '${routespec}': its segment '${dot}' is a dot segment, which the proxy would resolve to another route. Route specs must not contain '.' or '..' segments.`,
    );
  }
  if (!routespec.endsWith('/')) {
    throw new HubError(
      'LABHUB_ERR_PROXY',
      500,
      `Route spec '${routespec}' must end with '/' (e.g. '/user/alice/').`,
    );
  }
  if (hostRouting && routespec.startsWith('/') && routespec !== '/') {
    throw new HubError(
      'LABHUB_ERR_PROXY',
      500,
      `With host routing a route spec starts with the host (e.g. 'alice.hub.example.org/user/alice/'); got '${routespec}'.`,
    );
  }
  let path = routespec.startsWith('/') ? routespec : '/' + routespec;
  if (path !== '/') path = path.replace(/\/+$/, '');
  return path || '/';
}

/** CHP path (unescaped, as CHP returns it) → routespec (re-quoted, trailing '/'). */
export function chpPathToRoutespec(path: string, hostRouting = false): string {
  let spec = quotePath(path);
  if (hostRouting) spec = spec.replace(/^\/+/, '');
  if (!spec.endsWith('/')) spec += '/';
  return spec;
}

/**
 * Routespecs are already URL-escaped (JupyterHub sends them as they are; the proxy decodes
 * once). Only characters that cannot appear in a request line are escaped here.
 */
function escapePath(chpPath: string): string {
  return chpPath.replace(/[^\x21-\x7e]|[?#]/gu, (c) => encodeURIComponent(c));
}

/** labhub-proxy's answer header saying it takes batches of routes (proxy/server/api-batch.ts). */
const BATCH_HEADER = 'x-labhub-proxy-batch';
/** Routes per batch request (well under the proxy's 1 MiB body limit). */
const BATCH_SIZE = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const RETRY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The pool to the API and undici's error class, from the lazily loaded undici. */
interface Connections {
  pool: Pool;
  UndiciError: typeof errors.UndiciError;
}

/** A {@link Proxy} over the CHP REST API. Constructing it does no I/O. */
export class ChpClient implements Proxy {
  readonly apiUrl: string;
  private pool: Promise<Connections> | null = null;
  private readonly prefix: string;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /**
   * Whether the proxy takes many routes in one request (labhub-proxy says so on every
   * GET /api/routes answer; CHP does not): learnt from the last route listing, unknown before.
   */
  private batches = false;

  constructor(private readonly opts: ChpClientOptions) {
    const u = new URL(opts.apiUrl);
    this.apiUrl = opts.apiUrl;
    this.prefix = u.pathname.replace(/\/+$/, '');
  }

  /** The connection pool to the API's origin, made (and undici loaded) on first use. */
  private connections(): Promise<Connections> {
    // `.default` (module.exports): the esbuild bundle gives a lazily imported CommonJS package
    // only that, Node gives it too.
    return (this.pool ??= import('undici').then(({ default: { Pool, errors } }) => ({
      pool: new Pool(new URL(this.apiUrl).origin, {
        connections: this.opts.concurrency ?? 10,
        keepAliveTimeout: 4000,
      }),
      UndiciError: errors.UndiciError,
    })));
  }

  /** Send another API token from now on (the proxy was restarted with it). */
  setAuthToken(token: string): void {
    this.opts.authToken = token;
  }

  /** Add or replace a route; `jupyterhub: true` is added to `data`. Throws LABHUB_ERR_PROXY. */
  async addRoute(routespec: string, target: string, data: JsonObject): Promise<void> {
    const path = routespecToChpPath(routespec, this.opts.hostRouting);
    await this.call('POST', path, { ...data, jupyterhub: true, target }, [201, 200]);
  }

  /**
   * Add (or replace) many routes: in batches of {@link BATCH_SIZE} when the proxy takes them
   * (labhub-proxy), else one request each (the client bounds the concurrency). A proxy that
   * refuses a batch (replaced by CHP meanwhile) gets the routes one by one from then on.
   */
  async addRoutes(routes: ReadonlyArray<RouteToAdd>): Promise<void> {
    // Checked (and refused) before anything is sent, as addRoute does.
    const entries = routes.map(
      (r) =>
        [
          escapePath(routespecToChpPath(r.spec, this.opts.hostRouting)),
          { ...r.data, jupyterhub: true, target: r.target },
        ] as const,
    );
    if (!this.batches) {
      await Promise.all(routes.map((r) => this.addRoute(r.spec, r.target, r.data)));
      return;
    }
    for (let i = 0; i < entries.length; i += BATCH_SIZE) {
      const chunk = Object.fromEntries(entries.slice(i, i + BATCH_SIZE));
      const r = await this.request('POST', '', { routes: chunk }, [201, 200, 400, 404, 405]);
      if (r.status === 201 || r.status === 200) continue;
      this.batches = false;
      this.opts.log?.warn(
        `proxy ${this.apiUrl} refused a batch of routes (${r.status}: ${r.body.slice(0, 200)}); adding them one by one`,
      );
      await Promise.all(routes.slice(i).map((x) => this.addRoute(x.spec, x.target, x.data)));
      return;
    }
  }

  /** Delete a route; a missing route (404) is not an error. Throws LABHUB_ERR_PROXY. */
  async deleteRoute(routespec: string): Promise<void> {
    const path = routespecToChpPath(routespec, this.opts.hostRouting);
    const status = await this.call('DELETE', path, undefined, [204, 200, 404]);
    if (status === 404) this.opts.log?.debug?.(`proxy: route ${routespec} was already gone`);
  }

  /** Routes the hub added (data has `jupyterhub: true`), keyed by routespec. */
  async getAllRoutes(): Promise<Map<string, Route>> {
    const all = await this.getRawRoutes();
    const out = new Map<string, Route>();
    for (const [path, d] of Object.entries(all)) {
      if (!d || d.jupyterhub !== true) continue;
      const route = this.toRoute(path, d);
      out.set(route.routespec, route);
    }
    return out;
  }

  /** One route by routespec, or null (whether or not the hub added it). */
  async getRoute(routespec: string): Promise<Route | null> {
    const path = routespecToChpPath(routespec, this.opts.hostRouting);
    const r = await this.request('GET', path, undefined, [200, 404]);
    if (r.status === 404) return null;
    return this.toRoute(path, JSON.parse(r.body) as JsonObject);
  }

  /** Every route in the proxy, as CHP returns them (path → data incl. last_activity). */
  async getRawRoutes(): Promise<Record<string, JsonObject>> {
    const r = await this.request('GET', '', undefined, [200]);
    this.batches = r.batches;
    try {
      return JSON.parse(r.body) as Record<string, JsonObject>;
    } catch {
      throw new HubError(
        'LABHUB_ERR_PROXY',
        502,
        `The proxy at ${this.apiUrl} answered GET /api/routes with something that is not JSON; check that the API URL points at a configurable-http-proxy compatible API.`,
      );
    }
  }

  /** Close the client's connections. */
  async close(): Promise<void> {
    if (this.pool) await (await this.pool).pool.close().catch(() => {});
  }

  private toRoute(path: string, d: JsonObject): Route {
    const { target, last_activity, jupyterhub: _j, ...data } = d;
    const la = typeof last_activity === 'string' ? new Date(last_activity) : null;
    return {
      routespec: chpPathToRoutespec(path, this.opts.hostRouting),
      target: String(target),
      data: data as JsonObject,
      lastActivity: la && !Number.isNaN(la.getTime()) ? la : null,
    };
  }

  private async call(method: string, path: string, body: unknown, ok: number[]): Promise<number> {
    return (await this.request(method, path, body, ok)).status;
  }

  private async acquire(): Promise<void> {
    const limit = this.opts.concurrency ?? 10;
    if (this.active < limit) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** One API request with retries on connection errors and 5xx, for at most `retryFor` ms. */
  private async request(
    method: string,
    chpPath: string,
    body: unknown,
    ok: number[],
  ): Promise<{ status: number; body: string; batches: boolean }> {
    const path = `${this.prefix}/api/routes${escapePath(chpPath)}`;
    const deadline = Date.now() + (this.opts.retryFor ?? 30_000);
    const timeout = this.opts.requestTimeout ?? 10_000;
    let delay = 100;
    let lastProblem = '';
    const { pool, UndiciError } = await this.connections();
    await this.acquire();
    try {
      for (;;) {
        try {
          const r = await pool.request({
            path,
            method: method as 'GET',
            headers: {
              authorization: `token ${this.opts.authToken}`,
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            headersTimeout: timeout,
            bodyTimeout: timeout,
          });
          const text = await r.body.text();
          if (ok.includes(r.statusCode))
            return { status: r.statusCode, body: text, batches: r.headers[BATCH_HEADER] === '1' };
          if (r.statusCode === 403 || r.statusCode === 401) {
            throw new HubError(
              'LABHUB_ERR_PROXY',
              502,
              `The proxy at ${this.apiUrl} refused the API token (${r.statusCode} on ${method} ${path}); make sure CONFIGPROXY_AUTH_TOKEN is the same for the hub and the proxy.`,
            );
          }
          if (r.statusCode < 500) {
            throw new HubError(
              'LABHUB_ERR_PROXY',
              502,
              `The proxy at ${this.apiUrl} answered ${method} ${path} with ${r.statusCode} (expected ${ok.join(' or ')}): ${text.slice(0, 200)}`,
            );
          }
          lastProblem = `HTTP ${r.statusCode}: ${text.slice(0, 200)}`;
        } catch (err) {
          if (err instanceof HubError) throw err;
          const code = (err as { code?: string }).code ?? '';
          if (!RETRY_CODES.has(code) && !(err instanceof UndiciError)) throw err;
          lastProblem = `${code} ${(err as Error).message}`;
        }
        if (Date.now() + delay > deadline) break;
        this.opts.log?.warn(
          `proxy API ${method} ${path} failed (${lastProblem}); retrying in ${delay} ms`,
        );
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    } finally {
      this.release();
    }
    throw new HubError(
      'LABHUB_ERR_PROXY',
      503,
      `The proxy API at ${this.apiUrl} could not be reached for ${method} ${path} (${lastProblem}); check that the proxy is running and that ConfigurableHTTPProxy.api_url points at it.`,
    );
  }
}
