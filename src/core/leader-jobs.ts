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

export interface LeaderJobsDeps {
  ctx: HubContext;
  /** Keep (or stop keeping) the hub route in the hub's own proxy at each of its checks. */
  keepHubRoute: (on: boolean) => void;
  /** Every proxy, reconciled against the database. */
  proxies: Array<{ apiUrl: string; proxy: Proxy }>;
  hubTarget: string;
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
        await ctx.proxy.addRoute(settings.baseUrl, hubTarget, { hub: true });
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
            void spawns
              .reconcileRoutes(d.proxies, { spec: settings.baseUrl, target: hubTarget })
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
