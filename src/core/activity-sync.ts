import type { HubContext } from './context.js';

/**
 * Every last_activity_interval: copy the proxy's per-route last_activity into the server and user
 * rows (only routes of running servers are read; never all users).
 */
export class ActivitySync {
  constructor(private readonly ctx: HubContext) {}

  async once(): Promise<number> {
    const t0 = Date.now();
    const routes = await this.ctx.proxy.getAllRoutes();
    this.ctx.metrics.proxyPollDuration.observe((Date.now() - t0) / 1000);
    let n = 0;
    for (const r of routes.values()) {
      const userName = r.data.user;
      if (typeof userName !== 'string' || !r.lastActivity) continue;
      const user = await this.ctx.store.users.byName(userName);
      if (!user) continue;
      const rec = await this.ctx.store.servers.get(
        user.id,
        typeof r.data.server_name === 'string' ? r.data.server_name : '',
      );
      if (rec) await this.ctx.store.servers.touch(rec.id, r.lastActivity);
      await this.ctx.store.users.touch(user.id, r.lastActivity);
      n++;
    }
    return n;
  }

  /** The user gauges of /hub/metrics (three indexed counts, never a scan of all users). */
  async updateUserGauges(now = Date.now()): Promise<void> {
    const m = this.ctx.metrics;
    m.totalUsers.set(await this.ctx.store.users.count());
    for (const [period, ms] of [
      ['24h', 86_400_000],
      ['7d', 7 * 86_400_000],
      ['30d', 30 * 86_400_000],
    ] as const) {
      m.activeUsers.set(
        { period },
        await this.ctx.store.users.countActiveSince(new Date(now - ms)),
      );
    }
  }

  start(): () => void {
    const warn = (what: string) => (e: unknown) => this.ctx.log.warn({ err: e }, `${what} failed`);
    void this.updateUserGauges().catch(warn('user metrics'));
    const t = setInterval(
      () => void this.once().catch(warn('activity sync from the proxy')),
      this.ctx.settings.lastActivityInterval * 1000,
    );
    // JupyterHub recomputes active users hourly.
    const g = setInterval(
      () => void this.updateUserGauges().catch(warn('user metrics')),
      3_600_000,
    );
    t.unref();
    g.unref();
    return () => {
      clearInterval(t);
      clearInterval(g);
    };
  }
}
