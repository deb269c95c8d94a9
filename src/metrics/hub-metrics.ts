import client from 'prom-client';

/**
 * The hub's Prometheus metrics, with JupyterHub's names and labels (hub-protocol.md §10), so
 * existing dashboards keep working. Prefix: env JUPYTERHUB_METRICS_PREFIX (default `jupyterhub`).
 */
export class HubMetrics {
  readonly registry = new client.Registry();
  readonly requestDuration: client.Histogram<'method' | 'handler' | 'code'>;
  readonly spawnDuration: client.Histogram<'status' | 'reason'>;
  readonly stopDuration: client.Histogram<'status'>;
  readonly runningServers: client.Gauge;
  readonly totalUsers: client.Gauge;
  readonly activeUsers: client.Gauge<'period'>;
  readonly loginDuration: client.Histogram<'status'>;
  readonly logoutDuration: client.Histogram;
  readonly proxyAddDuration: client.Histogram<'status'>;
  readonly proxyDeleteDuration: client.Histogram<'status'>;
  readonly proxyPollDuration: client.Histogram;
  readonly checkRoutesDuration: client.Histogram;
  readonly serverPollDuration: client.Histogram<'status'>;
  readonly startupDuration: client.Histogram;
  readonly initSpawnersDuration: client.Histogram;
  readonly cspReports: client.Counter;
  readonly eventLoopInterval: client.Histogram;

  constructor(prefix = process.env.JUPYTERHUB_METRICS_PREFIX || 'jupyterhub') {
    const r = [this.registry];
    const p = (n: string) => `${prefix}_${n}`;
    this.requestDuration = new client.Histogram({
      name: p('request_duration_seconds'),
      help: 'Request duration for all HTTP requests',
      labelNames: ['method', 'handler', 'code'],
      registers: r,
    });
    this.spawnDuration = new client.Histogram({
      name: p('server_spawn_duration_seconds'),
      help: 'Time taken for server spawning operation',
      labelNames: ['status', 'reason'],
      buckets: [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 180, 300, 600],
      registers: r,
    });
    this.stopDuration = new client.Histogram({
      name: p('server_stop_seconds'),
      help: 'Time taken for server stopping operation',
      labelNames: ['status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.runningServers = new client.Gauge({
      name: p('running_servers'),
      help: 'The number of user servers currently running',
      registers: r,
    });
    this.totalUsers = new client.Gauge({
      name: p('total_users'),
      help: 'Total number of users',
      registers: r,
    });
    this.activeUsers = new client.Gauge({
      name: p('active_users'),
      help: 'Number of users who were active in the given time period',
      labelNames: ['period'],
      registers: r,
    });
    this.loginDuration = new client.Histogram({
      name: p('login_duration_seconds'),
      help: 'Time taken for login operations',
      labelNames: ['status'],
      registers: r,
    });
    this.logoutDuration = new client.Histogram({
      name: p('logout_duration_seconds'),
      help: 'Time taken for logout operations',
      registers: r,
    });
    this.proxyAddDuration = new client.Histogram({
      name: p('proxy_add_duration_seconds'),
      help: 'Duration for adding user routes to proxy',
      labelNames: ['status'],
      registers: r,
    });
    this.proxyDeleteDuration = new client.Histogram({
      name: p('proxy_delete_duration_seconds'),
      help: 'Duration for deleting user routes from proxy',
      labelNames: ['status'],
      registers: r,
    });
    this.proxyPollDuration = new client.Histogram({
      name: p('proxy_poll_duration_seconds'),
      help: 'Duration for polling all routes from proxy',
      registers: r,
    });
    this.checkRoutesDuration = new client.Histogram({
      name: p('check_routes_duration_seconds'),
      help: 'Time taken to validate all routes in proxy',
      registers: r,
    });
    this.serverPollDuration = new client.Histogram({
      name: p('server_poll_duration_seconds'),
      help: 'Time taken to poll if server is running',
      labelNames: ['status'],
      registers: r,
    });
    this.startupDuration = new client.Histogram({
      name: p('hub_startup_duration_seconds'),
      help: 'Time taken for Hub to start',
      registers: r,
    });
    this.initSpawnersDuration = new client.Histogram({
      name: p('init_spawners_duration_seconds'),
      help: 'Time taken for spawners to initialize',
      registers: r,
    });
    this.cspReports = new client.Counter({
      name: p('csp_reports'),
      help: 'Counter for CSP reports',
      registers: r,
    });
    this.eventLoopInterval = new client.Histogram({
      name: p('event_loop_interval_seconds'),
      help: 'Distribution of measured event loop intervals',
      buckets: [0.05, 0.055, 0.06, 0.065, 0.07, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      registers: r,
    });
    // Pre-create label values so series exist before the first event, as JupyterHub does.
    for (const period of ['24h', '7d', '30d']) this.activeUsers.set({ period }, 0);
    for (const status of ['success', 'failure']) {
      this.loginDuration.zero({ status });
      this.proxyAddDuration.zero({ status });
      this.proxyDeleteDuration.zero({ status });
      this.stopDuration.zero({ status });
    }
    for (const status of ['running', 'stopped']) this.serverPollDuration.zero({ status });
    this.spawnDuration.zero({ status: 'success', reason: '' });
  }

  /** Sample event-loop responsiveness every 50 ms (stops when the returned function is called). */
  startEventLoopSampler(): () => void {
    let last = process.hrtime.bigint();
    const t = setInterval(() => {
      const now = process.hrtime.bigint();
      this.eventLoopInterval.observe(Number(now - last) / 1e9);
      last = now;
    }, 50);
    t.unref();
    return () => clearInterval(t);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
