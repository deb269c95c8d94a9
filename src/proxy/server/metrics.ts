/**
 * Prometheus metrics of the proxy (served on --metrics-port). Counter names follow
 * configurable-http-proxy's, so existing dashboards keep working; the `labhub_proxy_*` gauges
 * show what the proxy holds right now (open WebSockets, requests in flight, upstream pools), which
 * is how a leak would show.
 */
import * as client from 'prom-client';

export class ProxyMetrics {
  readonly register = new client.Registry();
  readonly requestsWeb: client.Counter;
  readonly requestsWs: client.Counter;
  readonly requestsProxy: client.Counter<'status'>;
  readonly requestsApi: client.Counter<'status'>;
  readonly apiRouteGet: client.Counter;
  readonly apiRouteAdd: client.Counter;
  readonly apiRouteDelete: client.Counter;

  constructor(state: {
    routes: () => number;
    openWebSockets: () => number;
    inFlight: () => number;
    pools: () => number;
  }) {
    const registers = [this.register];
    client.collectDefaultMetrics({ register: this.register });
    this.requestsWeb = new client.Counter({
      name: 'requests_web',
      help: 'Count of web requests',
      registers,
    });
    this.requestsWs = new client.Counter({
      name: 'requests_ws',
      help: 'Count of websocket requests',
      registers,
    });
    this.requestsProxy = new client.Counter({
      name: 'requests_proxy',
      help: 'Count of proxy requests',
      labelNames: ['status'],
      registers,
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
      state.openWebSockets,
    );
    gauge(
      'labhub_proxy_requests_in_flight',
      'HTTP requests currently being proxied',
      state.inFlight,
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

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.register.contentType, body: await this.register.metrics() };
  }
}
