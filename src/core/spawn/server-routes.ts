/**
 * Proxy routes of user servers: add, remove, re-push, and clean up. Every spec goes through
 * {@link userRouteSpec} right before the proxy call, so the hub never adds or deletes a route
 * outside `<base>user/<owner>/` — above all never its own route `/` (or base_url) — and names
 * that fail the name rules (rows from before they existed) are never routed; the log says why.
 */
import type { Logger } from '../../log.js';
import type { ActiveServer } from '../../db/index.js';
import type { Proxy, Route } from '../../proxy/types.js';
import { addRoutesTo } from '../../proxy/proxy-set.js';
import type { HubMetrics } from '../../metrics/hub-metrics.js';
import { HubError } from '../../errors.js';
import { unroutableReason } from '../../util/names.js';
import { userRouteSpec } from '../route-guard.js';
import { RouteBatcher } from './route-batcher.js';

export interface ServerRoutesDeps {
  baseUrl: string;
  proxy: Proxy;
  log: Logger;
  metrics: HubMetrics;
}

function label(userName: string, serverName: string): string {
  return JSON.stringify(serverName ? `${userName}/${serverName}` : userName);
}

export class ServerRoutes {
  /** Concurrent additions (a spawn storm) go to the proxy in batches. */
  private readonly batcher: RouteBatcher;

  constructor(private readonly d: ServerRoutesDeps) {
    this.batcher = new RouteBatcher(d.proxy);
  }

  /**
   * The checked route spec of a server. Throws HubError LABHUB_ERR_UNSAFE_ROUTE (logged as an
   * error) when the names fail the name rules or the spec is not the owner's own prefix.
   */
  spec(userName: string, serverName: string): string {
    try {
      const why = unroutableReason(userName, serverName);
      if (why)
        throw new HubError(
          'LABHUB_ERR_UNSAFE_ROUTE',
          500,
          `Refusing to route ${label(userName, serverName)}: ${why}. Rename the user (PATCH /hub/api/users/{name}) or delete it.`,
        );
      return userRouteSpec(this.d.baseUrl, userName, serverName);
    } catch (e) {
      this.d.log.error(`Proxy route refused: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * Add (or replace) a server's route; concurrent additions share proxy requests (RouteBatcher).
   * Throws LABHUB_ERR_UNSAFE_ROUTE or LABHUB_ERR_PROXY.
   */
  async add(userName: string, serverName: string, target: string): Promise<void> {
    const spec = this.spec(userName, serverName);
    const t0 = Date.now();
    try {
      await this.batcher.add({ spec, target, data: { user: userName, server_name: serverName } });
      this.d.metrics.proxyAddDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000);
    } catch (e) {
      this.d.metrics.proxyAddDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
      throw e;
    }
  }

  /** Delete a server's route. An unsafe spec is never sent (logged). Never throws. */
  async remove(userName: string, serverName: string): Promise<void> {
    let spec: string;
    try {
      spec = this.spec(userName, serverName);
    } catch {
      return;
    }
    try {
      await this.d.proxy.deleteRoute(spec);
    } catch (e) {
      this.d.log.warn(
        { err: e },
        `Could not delete the proxy route of ${label(userName, serverName)}`,
      );
    }
  }

  /** Whether a server may be routed at all; logs why not. */
  routable(userName: string, serverName: string): boolean {
    const why = unroutableReason(userName, serverName);
    if (why)
      this.d.log.error(
        `Server ${label(userName, serverName)} is never routed: ${why}. It was created before labhub checked names; rename the user (PATCH /hub/api/users/{name}) or delete it.`,
      );
    return !why;
  }

  /**
   * Add (or replace) the routes of several servers in as few proxy requests as the proxy allows
   * (labhub-proxy: one batch). Throws LABHUB_ERR_UNSAFE_ROUTE before anything is sent, or
   * LABHUB_ERR_PROXY.
   */
  async addMany(
    servers: ReadonlyArray<{ userName: string; serverName: string; target: string }>,
  ): Promise<void> {
    if (!servers.length) return;
    const routes = servers.map((a) => ({
      spec: this.spec(a.userName, a.serverName),
      target: a.target,
      data: { user: a.userName, server_name: a.serverName },
    }));
    const t0 = Date.now();
    const observe = (status: 'success' | 'failure') => {
      const s = (Date.now() - t0) / 1000;
      for (let i = 0; i < routes.length; i++)
        this.d.metrics.proxyAddDuration.observe({ status }, s);
    };
    try {
      await addRoutesTo(this.d.proxy, routes);
      observe('success');
    } catch (e) {
      observe('failure');
      throw e;
    }
  }

  /** Re-push the routes of running servers, all at once; unroutable ones are skipped (logged). */
  async restore(active: ActiveServer[]): Promise<number> {
    const routable = active.filter(
      (a) => a.status === 'running' && a.target && this.routable(a.userName, a.name),
    );
    await this.addMany(
      routable.map((a) => ({ userName: a.userName, serverName: a.name, target: a.target! })),
    );
    return routable.length;
  }

  /**
   * Delete hub-added user routes that are not at their owner's own prefix (written by an older
   * hub, e.g. `/user` for a user named `.`), never the hub's own route. Logs each one.
   */
  async removeStray(routes: Map<string, Route>, hubSpec: string): Promise<number> {
    let n = 0;
    for (const [spec, r] of routes) {
      const user = r.data.user;
      if (spec === hubSpec || r.data.hub === true || typeof user !== 'string') continue;
      const server = typeof r.data.server_name === 'string' ? r.data.server_name : '';
      let own: string | null = null;
      try {
        own = userRouteSpec(this.d.baseUrl, user, server);
      } catch {
        own = null;
      }
      if (own === spec && !unroutableReason(user, server)) continue;
      this.d.log.error(
        `Removing the proxy route ${spec} of ${label(user, server)}: it is not that server's own route`,
      );
      await this.d.proxy
        .deleteRoute(spec)
        .catch((e: unknown) =>
          this.d.log.warn({ err: e }, `Could not delete the stray proxy route ${spec}`),
        );
      n++;
    }
    return n;
  }
}
