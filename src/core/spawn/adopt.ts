/**
 * Taking over servers found in the database: after a hub restart (all servers of no live
 * replica) or on the leader's adoption scan (servers of a replica that died).
 */
import type { ServerRecord } from '../../db/index.js';
import type { Route } from '../../proxy/types.js';
import { unroutableReason } from '../../util/names.js';
import { ProgressChannel } from './progress.js';
import type { SpawnInternals } from './spawn-deps.js';
import type { Live } from './spawn-steps.js';
import { tearDown } from './teardown.js';

/** Create a spawner object for a server found in the database (after a hub restart). */
export function reattachOne(h: SpawnInternals, userName: string, rec: ServerRecord): Live {
  const options = h.spawnerOptions(userName, rec.name);
  const spawner = h.d.spawner.create({
    user: { id: rec.userId, name: userName },
    serverName: rec.name,
    hubEnv: {},
    options,
    userOptions: rec.userOptions,
    log: h.d.log.child({ user: userName, server: rec.name }),
  });
  spawner.loadState(rec.state);
  const live: Live = {
    serverId: rec.id,
    userName,
    serverName: rec.name,
    spawner,
    progress: new ProgressChannel(),
    spawning: null,
    stopping: null,
  };
  h.live.set(rec.id, live);
  return live;
}

/**
 * Servers whose owner is not among `liveReplicas` (nor this replica) are claimed, one adopter
 * each: running ones are kept (route restored unless `existing` has it already, spawner polled
 * meanwhile), the others cleaned up; `spawnLost` is the error recorded on an interrupted spawn.
 */
export async function adoptServers(
  h: SpawnInternals,
  liveReplicas: string[],
  existing: Map<string, Route>,
  spawnLost: string,
): Promise<{ running: number; cleaned: number }> {
  const d = h.d;
  let running = 0;
  let cleaned = 0;
  const orphans = await d.store.servers.orphaned([...liveReplicas, h.replicaId]);
  await Promise.all(
    orphans.map(async (a) => {
      if (!(await d.store.servers.claimOwner(a.id, a.ownerReplica, h.replicaId))) return;
      if (a.ownerReplica)
        d.log.warn(
          `Adopting ${a.userName}/${a.name} (${a.status}) from replica ${a.ownerReplica}, which is gone`,
        );
      const live = reattachOne(h, a.userName, a);
      let status: number | null = 1;
      const routable = h.routes.routable(a.userName, a.name);
      if (a.status === 'running' && a.target && routable) {
        const routed =
          existing.get(h.prefix(a.userName, a.name))?.target === a.target
            ? Promise.resolve()
            : h.routes
                .add(a.userName, a.name, a.target)
                .catch((e) =>
                  d.log.warn({ err: e }, `Could not restore the route of ${a.userName}/${a.name}`),
                );
        [status] = await Promise.all([live.spawner.poll(), routed]);
      }
      if (status === null) {
        running++;
        await d.lifecycle?.reattached({ ...a, serverId: a.id, serverName: a.name });
      } else {
        cleaned++;
        const error = !routable
          ? `Not routed: ${unroutableReason(a.userName, a.name)}.`
          : a.status === 'spawning'
            ? spawnLost
            : undefined;
        await tearDown(h, a.userName, a, live, {
          now: true,
          error,
          end:
            a.status === 'spawning'
              ? { reason: 'failed', detail: 'hub-restart' }
              : { reason: 'lost', detail: error ?? 'gone after a hub restart' },
        });
      }
    }),
  );
  return { running, cleaned };
}
