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
      const rec = await this.ctx.store.servers.get(user.id, typeof r.data.server_name === 'string' ? r.data.server_name : '');
      if (rec) await this.ctx.store.servers.touch(rec.id, r.lastActivity);
      await this.ctx.store.users.touch(user.id, r.lastActivity);
      n++;
    }
    return n;
  }

  start(): () => void {
    const t = setInterval(() => void this.once().catch((e) => this.ctx.log.warn({ err: e }, 'activity sync from the proxy failed')), this.ctx.settings.lastActivityInterval * 1000);
    t.unref();
    return () => clearInterval(t);
  }
}
