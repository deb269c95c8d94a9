import { createRequire } from 'node:module';
import type { StatsD } from 'hot-shots';
import type { HubMetrics } from './hub-metrics.js';
import type { Logger } from '../log.js';

/**
 * statsd support (JupyterHub ≤ 5 had it behind `statsd_host`; 6.0 dropped it). Plain statsd
 * syntax over UDP (no tags), names under `<statsd_prefix>.`:
 *
 * - gauges `users.running` (running servers) and `users.total`, every `intervalMs` and right
 *   after each spawn or stop outcome;
 * - counters `login.success`, `login.failure`, `spawner.success`, `spawner.failure`
 *   (refused: throttled, too many users) and `spawner.error` (the spawn failed), each as it
 *   happens; timings `login.duration` and `spawner.duration` (ms).
 *
 * Events are read from the hub's Prometheus metrics (the same observations feed both), so no
 * other module needs to know about statsd.
 */
/** What the reporter reads from the hub: the two counts it gauges, and its metrics. */
export interface StatsdSource {
  store: {
    servers: { countActive(): Promise<number> };
    users: { count(): Promise<number> };
  };
  metrics?: HubMetrics;
}

export class StatsdReporter {
  private readonly client: StatsD;
  private readonly untap: Array<() => void> = [];

  constructor(
    cfg: { host: string | null; port: number; prefix: string },
    private readonly ctx: StatsdSource,
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {
    // Loaded only when statsd is configured (the client library costs the hub ~10 MB of RSS).
    const { StatsD: Client } = createRequire(import.meta.url)(
      'hot-shots',
    ) as typeof import('hot-shots');
    this.client = new Client({
      host: cfg.host ?? '127.0.0.1',
      port: cfg.port,
      prefix: cfg.prefix ? `${cfg.prefix}.` : '',
      protocol: 'udp',
      errorHandler: (e) => this.log.warn(`statsd: ${e.message}`),
    });
  }

  /** Send the gauges once (also used by tests). */
  async report(): Promise<void> {
    const [running, total] = await Promise.all([
      this.ctx.store.servers.countActive(),
      this.ctx.store.users.count(),
    ]);
    this.client.gauge('users.running', running);
    this.client.gauge('users.total', total);
  }

  increment(stat: string): void {
    this.client.increment(stat);
  }

  /** Start: gauges now and every `intervalMs`, counters as events happen. Returns the stop function. */
  start(): () => void {
    const reportSoon = () =>
      void this.report().catch((e) => this.log.warn(`statsd: ${(e as Error).message}`));
    this.tapEvents(reportSoon);
    reportSoon();
    const t = setInterval(reportSoon, this.intervalMs);
    t.unref();
    return () => {
      clearInterval(t);
      for (const u of this.untap.splice(0)) u();
      this.client.close();
    };
  }

  /** Forward login and spawn observations of the Prometheus histograms as statsd counters. */
  private tapEvents(afterSpawn: () => void): void {
    const m = this.ctx.metrics;
    if (!m) return;
    this.tap(m.loginDuration, (labels, seconds) => {
      const status = labels.status === 'success' ? 'success' : 'failure';
      this.client.increment(`login.${status}`);
      this.client.timing('login.duration', Math.round(seconds * 1000));
    });
    this.tap(m.spawnDuration, (labels, seconds) => {
      const status =
        labels.status === 'success' ? 'success' : labels.status === 'error' ? 'error' : 'failure';
      this.client.increment(`spawner.${status}`);
      if (status !== 'failure') this.client.timing('spawner.duration', Math.round(seconds * 1000));
      afterSpawn();
    });
    this.tap(m.stopDuration, () => afterSpawn());
  }

  private tap(
    h: { observe: (...a: never[]) => void },
    on: (labels: Record<string, unknown>, value: number) => void,
  ): void {
    const target = h as unknown as { observe: (...a: unknown[]) => void };
    const original = target.observe;
    target.observe = (...args: unknown[]) => {
      original.apply(h, args);
      try {
        const [a, b] = args;
        if (typeof a === 'number') on({}, a);
        else if (typeof b === 'number') on((a as Record<string, unknown>) ?? {}, b);
      } catch (e) {
        this.log.warn(`statsd: ${(e as Error).message}`);
      }
    };
    this.untap.push(() => {
      target.observe = original;
    });
  }
}
