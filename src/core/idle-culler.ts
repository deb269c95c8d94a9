import type { HubContext } from './context.js';

/**
 * Built-in idle culler (off by default; Labhub.idle_culler): stops servers idle longer than
 * `timeout` (or older than `max_age`), looking only at active servers. With `cull_users`, a
 * non-admin user whose culled server was their last active one is deleted too (for temporary
 * users, as jupyterhub-idle-culler --cull-users).
 */
export class IdleCuller {
  constructor(private readonly ctx: HubContext) {}

  async once(now = Date.now()): Promise<string[]> {
    const { timeout, maxAge, cullUsers } = this.ctx.settings.idleCuller;
    const culled: string[] = [];
    for (const a of await this.ctx.store.servers.active()) {
      if (a.status !== 'running') continue;
      const last = (a.lastActivity ?? a.started)?.getTime() ?? now;
      const idle = (now - last) / 1000;
      const age = a.started ? (now - a.started.getTime()) / 1000 : 0;
      if (idle > timeout || (maxAge > 0 && age > maxAge)) {
        const user = await this.ctx.store.users.byId(a.userId);
        if (!user) continue;
        this.ctx.log.info(
          `Culling server ${a.userName}/${a.name} (idle ${Math.round(idle)} s, age ${Math.round(age)} s)`,
        );
        await this.ctx.spawns.stop(user, a.name, 'culled');
        culled.push(`${a.userName}/${a.name}`);
        if (cullUsers && !user.admin) await this.cullUser(user);
      }
    }
    return culled;
  }

  /** Deletes the user once none of their servers is active (a stop still pending waits). */
  private async cullUser(user: { id: number; name: string }): Promise<void> {
    const servers = await this.ctx.store.servers.forUser(user.id);
    if (servers.some((s) => s.status !== 'stopped')) return;
    await this.ctx.store.users.delete(user.id);
    this.ctx.log.info(`Culled user ${user.name} (Labhub.idle_culler.cull_users)`);
  }

  start(): () => void {
    const t = setInterval(
      () => void this.once().catch((e) => this.ctx.log.warn({ err: e }, 'idle culler failed')),
      this.ctx.settings.idleCuller.interval * 1000,
    );
    t.unref();
    return () => clearInterval(t);
  }
}
