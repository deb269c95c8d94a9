/**
 * Several proxies serving one hub (docs/high-availability.md): every route change goes to each
 * of them. A proxy that misses one (down, restarting) is caught up by the leader's route
 * reconcile, so a change fails only when no proxy took it.
 */
import type { JsonObject } from '../util/json.js';
import type { Proxy, Route, RouteToAdd } from './types.js';
import { ChpClient } from './chp-client.js';

export interface ProxyMember {
  apiUrl: string;
  proxy: Proxy;
}

/** Add many routes to any proxy: one batch call when it has one, else one call per route. */
export async function addRoutesTo(p: Proxy, routes: ReadonlyArray<RouteToAdd>): Promise<void> {
  if (p.addRoutes) await p.addRoutes(routes);
  else await Promise.all(routes.map((r) => p.addRoute(r.spec, r.target, r.data)));
}

export class ProxySet implements Proxy {
  constructor(
    private readonly all: ProxyMember[],
    private readonly warn: (m: string) => void,
  ) {}

  /** The proxies, the first being the hub's own (ConfigurableHTTPProxy.api_url). */
  members(): ProxyMember[] {
    return this.all;
  }

  private async each(what: string, f: (p: Proxy) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.all.map((m) => f(m.proxy)));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ m: this.all[i]!, err: r.reason as Error }] : [],
    );
    if (failed.length === this.all.length) throw failed[0]!.err;
    for (const { m, err } of failed)
      this.warn(
        `proxy ${m.apiUrl} missed ${what} (${err.message}); the leader's route reconcile will catch it up`,
      );
  }

  addRoute(spec: string, target: string, data: JsonObject): Promise<void> {
    return this.each(`the route ${spec}`, (p) => p.addRoute(spec, target, data));
  }

  addRoutes(routes: ReadonlyArray<RouteToAdd>): Promise<void> {
    return this.each(`${routes.length} routes`, (p) => addRoutesTo(p, routes));
  }

  deleteRoute(spec: string): Promise<void> {
    return this.each(`the deletion of ${spec}`, (p) => p.deleteRoute(spec));
  }

  /**
   * The routes of the first proxy that answers, with each route's most recent activity across
   * all proxies (a user's traffic may go through any of them).
   */
  async getAllRoutes(): Promise<Map<string, Route>> {
    const results = await Promise.allSettled(this.all.map((m) => m.proxy.getAllRoutes()));
    const maps = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (!maps.length) throw (results[0] as PromiseRejectedResult).reason;
    const out = new Map<string, Route>();
    for (const [spec, r] of maps[0]!) out.set(spec, { ...r });
    for (const m of maps.slice(1))
      for (const [spec, r] of m) {
        const mine = out.get(spec);
        if (mine && r.lastActivity && (!mine.lastActivity || r.lastActivity > mine.lastActivity))
          mine.lastActivity = r.lastActivity;
      }
    return out;
  }
}

/**
 * The hub's proxy plus further ones by API URL (same token): the list of members, what route
 * changes go through (the hub's own proxy alone when there is no other), and the clients made.
 */
export function proxySetFor(
  own: ProxyMember,
  apiUrls: readonly string[],
  authToken: string,
  warn: (m: string) => void,
): { members: ProxyMember[]; routesProxy: Proxy; extra: ChpClient[] } {
  const extra = apiUrls.map(
    (apiUrl) => new ChpClient({ apiUrl, authToken, retryFor: 1000, requestTimeout: 3000 }),
  );
  const members = [own, ...extra.map((proxy, i) => ({ apiUrl: apiUrls[i]!, proxy }))];
  return { members, routesProxy: extra.length ? new ProxySet(members, warn) : own.proxy, extra };
}
