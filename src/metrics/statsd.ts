import { StatsD } from 'hot-shots';
import type { HubContext } from '../core/context.js';
import type { Logger } from '../log.js';

/**
 * statsd support (JupyterHub 5.x had it behind statsd_host; 6.0 dropped it). Sends gauges of
 * running servers and users every `intervalMs`, with plain statsd syntax (no tags).
 */
export class StatsdReporter {
  private readonly client: StatsD;

  constructor(
    cfg: { host: string | null; port: number; prefix: string },
    private readonly ctx: Pick<HubContext, 'store'>,
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {
    this.client = new StatsD({ host: cfg.host ?? '127.0.0.1', port: cfg.port, prefix: cfg.prefix ? `${cfg.prefix}.` : '', protocol: 'udp', errorHandler: (e) => this.log.warn(`statsd: ${e.message}`) });
  }

  /** Send the gauges once (also used by tests). */
  async report(): Promise<void> {
    const [running, total] = await Promise.all([this.ctx.store.servers.countActive(), this.ctx.store.users.count()]);
    this.client.gauge('users.running', running);
    this.client.gauge('users.total', total);
  }

  increment(stat: string): void {
    this.client.increment(stat);
  }

  start(): () => void {
    void this.report().catch(() => undefined);
    const t = setInterval(() => void this.report().catch((e) => this.log.warn(`statsd: ${(e as Error).message}`)), this.intervalMs);
    t.unref();
    return () => {
      clearInterval(t);
      this.client.close();
    };
  }
}
