/**
 * Prometheus metrics of the proxy (served on --metrics-port). Counter names follow
 * configurable-http-proxy's, so existing dashboards keep working; the `labhub_proxy_*` gauges
 * show what the proxy holds right now (open WebSockets, requests in flight, upstream pools), which
 * is how a leak would show.
 */
import * as client from 'prom-client';

/**
 * What another engine serving the public port (HAProxy) counted: the requests it took, the status
 * of each response, the WebSockets open now. Read once per scrape.
 */
export interface EngineCounts {
  web: number;
  ws: number;
  wsOpen: number;
  /** HTTP requests (not WebSockets) being served now. */
  inFlight: number;
  /** Responses by status code ("200", "404", …). */
  status: Map<string, number>;
}

export class ProxyMetrics {
  readonly register = new client.Registry();
  readonly requestsWeb: client.Counter;
  readonly requestsWs: client.Counter;
  readonly requestsProxy: client.Counter<'status'>;
  readonly requestsApi: client.Counter<'status'>;
  readonly apiRouteGet: client.Counter;
  readonly apiRouteAdd: client.Counter;
  readonly apiRouteDelete: client.Counter;
  private engineCounts?: () => Promise<EngineCounts>;
  private snapshot?: EngineCounts;

  constructor(state: {
    routes: () => number;
    openWebSockets: () => number;
    inFlight: () => number;
    pools: () => number;
  }) {
    const registers = [this.register];
    client.collectDefaultMetrics({ register: this.register });
    // With another engine, its counts replace whatever the Node plane behind it counted.
    const snap = () => (this.engineCounts ? this.snapshot : undefined);
    this.requestsWeb = new client.Counter({
      name: 'requests_web',
      help: 'Count of web requests',
      registers,
      collect() {
        const s = snap();
        if (!s) return;
        this.reset();
        this.inc(s.web);
      },
    });
    this.requestsWs = new client.Counter({
      name: 'requests_ws',
      help: 'Count of websocket requests',
      registers,
      collect() {
        const s = snap();
        if (!s) return;
        this.reset();
        this.inc(s.ws);
      },
    });
    this.requestsProxy = new client.Counter({
      name: 'requests_proxy',
      help: 'Count of proxy requests',
      labelNames: ['status'],
      registers,
      collect() {
        const s = snap();
        if (!s) return;
        this.reset();
        for (const [status, n] of s.status) this.labels(status).inc(n);
      },
    });
    this.requestsApi = new client.Counter({
      name: 'requests_api',
      help: 'Count of API requests',
      labelNames: ['status'],
      registers,
    });
    this.apiRouteGet = new client.Counter({
      name: 'api_route_get',
      help: 'Count of API route get requests',
      registers,
    });
    this.apiRouteAdd = new client.Counter({
      name: 'api_route_add',
      help: 'Count of API route add requests',
      registers,
    });
    this.apiRouteDelete = new client.Counter({
      name: 'api_route_delete',
      help: 'Count of API route delete requests',
      registers,
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new client.Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('labhub_proxy_routes', 'Routes in the table', state.routes);
    gauge(
      'labhub_proxy_websockets_open',
      'WebSocket connections currently proxied',
      () => snap()?.wsOpen ?? state.openWebSockets(),
    );
    gauge(
      'labhub_proxy_requests_in_flight',
      'HTTP requests currently being proxied',
      () => snap()?.inFlight ?? state.inFlight(),
    );
    gauge(
      'labhub_proxy_upstream_pools',
      'Upstream connection pools (one per target origin)',
      state.pools,
    );
    gauge(
      'labhub_proxy_heap_used_after_gc_bytes',
      'V8 heap used after a full GC when node runs with --expose-gc, else current heap used',
      () => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (gc) gc();
        return process.memoryUsage().heapUsed;
      },
    );
  }

  /**
   * Another engine (HAProxy) serves the public port: requests_web, requests_ws, requests_proxy,
   * labhub_proxy_websockets_open and labhub_proxy_requests_in_flight come from it from now on.
   */
  countFrom(read: () => Promise<EngineCounts>): void {
    this.engineCounts = read;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    if (this.engineCounts) this.snapshot = await this.engineCounts();
    return { contentType: this.register.contentType, body: await this.register.metrics() };
  }
}
