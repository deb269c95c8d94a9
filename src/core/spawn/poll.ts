import type { SpawnInternals } from './spawn-deps.js';
import { tearDown } from './teardown.js';

/**
 * One round of the poll of running servers (every poll_interval): a server that exited loses
 * its route and is marked stopped; one stopped or taken over by another replica is let go.
 */
export async function pollServers(h: SpawnInternals): Promise<void> {
  const d = h.d;
  for (const live of [...h.live.values()]) {
    if (live.spawning || live.stopping) continue;
    const rec = await d.store.servers.byId(live.serverId);
    if (!rec || rec.status === 'stopped' || rec.ownerReplica !== h.replicaId) {
      // Stopped, or now driven by another replica (it stopped or adopted it): not ours to poll.
      h.live.delete(live.serverId);
      continue;
    }
    if (rec.status !== 'running') continue;
    const t0 = Date.now();
    const status = await live.spawner.poll();
    d.metrics.serverPollDuration.observe(
      { status: status === null ? 'running' : 'stopped' },
      (Date.now() - t0) / 1000,
    );
    if (status !== null) {
      d.log.warn(
        `Server ${live.userName}/${live.serverName} exited with status ${status}; removing its route`,
      );
      await tearDown(h, live.userName, rec, live, {
        now: true,
        error: `The server exited unexpectedly (status ${status}).`,
        end: { reason: 'exited', detail: `status ${status}` },
      });
    }
  }
}
