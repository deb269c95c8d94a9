import type { JsonObject } from '../../util/json.js';
import type { Proxy } from '../../proxy/types.js';
import type { SpawnInternals } from './spawn-deps.js';

/**
 * The leader's route reconcile, for each proxy: its server routes against the database. A
 * running server's missing or wrong route is added; a route whose server is not active is
 * removed; with `hub`, the hub's own route too (its target and its `hub_targets`), after the
 * server routes. The proxy's table is read before the rows, so
 * a route added by a spawn meanwhile is not mistaken for a stray (a rare one removed anyway
 * comes back at the next reconcile).
 */
export async function reconcileRoutes(
  h: SpawnInternals,
  proxies: Array<{ apiUrl: string; proxy: Proxy }>,
  hub?: { spec: string; target: string; data: JsonObject },
): Promise<{ added: number; removed: number; failed: string[] }> {
  let added = 0;
  let removed = 0;
  const failed: string[] = [];
  for (const { apiUrl, proxy } of proxies) {
    try {
      const routes = await proxy.getAllRoutes();
      const active = await h.d.store.servers.active();
      const want = new Set(active.map((a) => h.prefix(a.userName, a.name)));
      for (const a of active) {
        if (a.status !== 'running' || !a.target) continue;
        if (!h.routes.routable(a.userName, a.name)) continue;
        const spec = h.routes.spec(a.userName, a.name);
        if (routes.get(spec)?.target === a.target) continue;
        await proxy.addRoute(spec, a.target, { user: a.userName, server_name: a.name });
        added++;
      }
      for (const [spec, r] of routes) {
        if (typeof r.data.user !== 'string' || r.data.hub === true || want.has(spec)) continue;
        await proxy.deleteRoute(spec);
        removed++;
      }
      // The hub's route last: a restarted (empty) proxy that answers /hub/health has every
      // server route back too, so a load balancer checking that through it can trust it.
      const hr = hub && routes.get(hub.spec);
      if (
        hub &&
        (hr?.target !== hub.target ||
          JSON.stringify(hr.data.hub_targets) !== JSON.stringify(hub.data.hub_targets))
      ) {
        await proxy.addRoute(hub.spec, hub.target, hub.data);
        added++;
      }
    } catch (e) {
      failed.push(`${apiUrl}: ${(e as Error).message}`);
    }
  }
  return { added, removed, failed };
}
