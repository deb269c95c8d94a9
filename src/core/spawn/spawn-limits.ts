import { HubError } from '../../errors.js';
import type { SpawnManagerDeps } from './spawn-deps.js';

/**
 * JupyterHub.concurrent_spawn_limit and active_server_limit: throws HubError
 * LABHUB_ERR_TOO_MANY_REQUESTS (429, with Retry-After) when a new spawn must wait, and counts the
 * refusal in the spawn-duration metric as JupyterHub does. Both count from the database, so
 * with several hub replicas the limits are cluster-wide (docs/high-availability.md);
 * `localSpawning` (this process's spawns) covers a row not yet written.
 */
export async function checkSpawnLimits(
  d: Pick<SpawnManagerDeps, 'settings' | 'store' | 'metrics'>,
  localSpawning: number,
): Promise<void> {
  const s = d.settings;
  const spawning =
    s.concurrentSpawnLimit > 0 ? Math.max(localSpawning, await d.store.servers.countSpawning()) : 0;
  if (s.concurrentSpawnLimit > 0 && spawning >= s.concurrentSpawnLimit) {
    d.metrics.spawnDuration.observe({ status: 'failure', reason: 'throttled' }, 0);
    const retry = 30 + Math.floor(Math.random() * 30);
    throw new HubError(
      'LABHUB_ERR_TOO_MANY_REQUESTS',
      429,
      `Too many users trying to log in right now (${spawning} servers starting). Try again in ${retry} seconds.`,
      { headers: { 'Retry-After': String(retry) } },
    );
  }
  if (s.activeServerLimit > 0 && (await d.store.servers.countActive()) >= s.activeServerLimit) {
    d.metrics.spawnDuration.observe({ status: 'failure', reason: 'too-many-users' }, 0);
    throw new HubError(
      'LABHUB_ERR_TOO_MANY_REQUESTS',
      429,
      `Active user limit (${s.activeServerLimit}) reached. Try again later.`,
      { headers: { 'Retry-After': '60' } },
    );
  }
}
