/**
 * Taking over servers found in the database: after a hub restart (all servers of no live
 * replica) or on the leader's adoption scan (servers of a replica that died).
 */
import type { ActiveServer, ServerRecord } from '../../db/index.js';
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
 * One warning per gone replica (not one per server: a restart at 500 running servers would
 * write 500 lines), naming up to 20 of the servers taken over.
 */
function logAdoptions(h: SpawnInternals, claimed: readonly ActiveServer[]): void {
  const byReplica = new Map<string, ActiveServer[]>();
  for (const a of claimed)
    if (a.ownerReplica)
      byReplica.set(a.ownerReplica, [...(byReplica.get(a.ownerReplica) ?? []), a]);
  for (const [replica, list] of byReplica) {
    const names = list.slice(0, 20).map((a) => `${a.userName}/${a.name} (${a.status})`);
    const more = list.length > 20 ? ` and ${list.length - 20} more` : '';
    h.d.log.warn(
      `Adopting ${list.length} servers from replica ${replica}, which is gone: ${names.join(', ')}${more}`,
    );
  }
}

/**
 * Servers whose owner is not among `liveReplicas` (nor this replica) are claimed, one adopter
 * each: running ones are kept (the routes `existing` lacks restored in one batch while the
 * spawners are polled), the others cleaned up; `spawnLost` is the error recorded on an
 * interrupted spawn.
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
  // One compare-and-set statement per previous owner (not one per server).
  const byOwner = new Map<string | null, number[]>();
  for (const a of orphans)
    byOwner.set(a.ownerReplica, [...(byOwner.get(a.ownerReplica) ?? []), a.id]);
  const won = new Set<number>();
  for (const [from, ids] of byOwner)
    for (const id of await d.store.servers.claimOwners(ids, from, h.replicaId)) won.add(id);
  const claimed = orphans.filter((a) => won.has(a.id));
  logAdoptions(h, claimed);
  let resumed = 0;
  const mine = claimed.flatMap((a) => {
    const live = reattachOne(h, a.userName, a);
    const routable = h.routes.routable(a.userName, a.name);
    if (routable && a.status === 'spawning') {
      // Finish the spawn here, or do it again when nothing of it can be resumed (resume.ts):
      // the user's pending start completes.
      resumed++;
      h.resumeSpawn(a, live);
      return [];
    }
    return [{ a, live, routable, up: a.status === 'running' && !!a.target && routable }];
  });
  if (resumed) d.log.warn(`Resuming ${resumed} spawns in progress`);
  // The missing routes go to the proxy in one batch while the spawners are polled.
  const toRoute = mine.filter(
    ({ a, up }) => up && existing.get(h.prefix(a.userName, a.name))?.target !== a.target,
  );
  const routed = h.routes
    .addMany(
      toRoute.map(({ a }) => ({ userName: a.userName, serverName: a.name, target: a.target! })),
    )
    .catch((e) =>
      d.log.warn(
        { err: e },
        `Could not restore the routes of ${toRoute.map(({ a }) => `${a.userName}/${a.name}`).join(', ')}`,
      ),
    );
  const [statuses] = await Promise.all([
    Promise.all(mine.map(({ live, up }) => (up ? live.spawner.poll() : Promise.resolve(1)))),
    routed,
  ]);
  await Promise.all(
    mine.map(async ({ a, live, routable }, i) => {
      if (statuses[i] === null) {
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
