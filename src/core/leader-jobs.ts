/**
 * The cluster-wide jobs (docs/high-availability.md): run by the leader replica only, started
 * when it becomes leader and stopped when it steps down.
 */
import type { HubContext } from './context.js';
import type { LeaderJob } from './replicas.js';
import { ServiceRunner } from './service-runner.js';
import { ActivitySync } from './activity-sync.js';
import { IdleCuller } from './idle-culler.js';
import type { Proxy } from '../proxy/types.js';
import type { JsonObject } from '../util/json.js';

export interface LeaderJobsDeps {
  ctx: HubContext;
  /** Keep (or stop keeping) the hub route in the hub's own proxy at each of its checks. */
  keepHubRoute: (on: boolean) => void;
  /** Every proxy, reconciled against the database. */
  proxies: Array<{ apiUrl: string; proxy: Proxy }>;
  hubTarget: string;
}

/**
 * The hub route's data: with several live replicas, `hub_targets` lists their hub URLs, so
 * labhub-proxy spreads hub traffic over them (src/proxy/server/hub-targets.ts); `target` stays
 * the leader's (what CHP uses).
 */
async function hubRouteData(ctx: HubContext): Promise<JsonObject> {
  const urls = [...new Set((await ctx.store.replicas.list()).map((r) => r.hubUrl))].sort();
  return urls.length > 1 ? { hub: true, hub_targets: urls } : { hub: true };
}

export function leaderJobs(d: LeaderJobsDeps): LeaderJob[] {
  const { ctx, hubTarget } = d;
  const { settings, log, spawns } = ctx;
  const jobs: LeaderJob[] = [
    {
      // The hub route points at the leader.
      name: 'hub route',
      start: async () => {
        d.keepHubRoute(true);
        await ctx.proxy.addRoute(settings.baseUrl, hubTarget, await hubRouteData(ctx));
        return () => d.keepHubRoute(false);
      },
    },
    {
      name: 'services',
      start: async () => {
        const runner = new ServiceRunner(ctx);
        await runner.start();
        return () => runner.stop();
      },
    },
    { name: 'activity sync', start: () => new ActivitySync(ctx).start() },
    {
      name: 'route reconcile',
      start: () => {
        const t = setInterval(
          () =>
            void hubRouteData(ctx)
              .then((data) =>
                spawns.reconcileRoutes(d.proxies, {
                  spec: settings.baseUrl,
                  target: hubTarget,
                  data,
                }),
              )
              .then(({ added, removed, failed }) => {
                if (added || removed)
                  log.warn(`Route reconcile: added ${added} missing, removed ${removed} stray`);
                for (const f of failed) log.warn(`Route reconcile of proxy ${f}`);
              })
              .catch((e) => log.warn({ err: e }, 'route reconcile failed')),
          Math.max(1, settings.proxy.checkInterval) * 1000,
        );
        t.unref();
        return () => clearInterval(t);
      },
    },
  ];
  if (settings.idleCuller.enabled)
    jobs.push({ name: 'idle culler', start: () => new IdleCuller(ctx).start() });
  return jobs;
}
