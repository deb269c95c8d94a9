/**
 * Resuming a spawn whose hub replica died (or whose hub restarted) while the server was coming
 * up (docs/high-availability.md, "Adoption"). The dead replica saved the spawner's state (e.g.
 * the pid and port) while start() ran and the target once it returned; the adopter does the rest
 * of the spawn: the rest of the start, waiting until the server answers, the route, `running`.
 * The start and HTTP timeouts still count from the original start; when this throws, the caller
 * stops and cleans up the server. A spawn that cannot be resumed (nothing launched yet, or what
 * was launched is gone) is started again from the beginning by the adopter, once.
 */
import type { Logger } from '../../log.js';
import { HubError, isHubError } from '../../errors.js';
import type { ActiveServer } from '../../db/index.js';
import { readyEvent } from './progress.js';
import { runSpawnSteps, type Live, type SpawnStepsDeps } from './spawn-steps.js';
import { serverPrefixFor } from '../../spawner/spawn-env.js';
import { waitForHttp } from './wait-http.js';
import { withTimeout } from './timeouts.js';
import type { Spawner } from '../../spawner/types.js';

/**
 * Whether an adopted `spawning` row can be resumed: start() had returned (its target is known),
 * or the spawner can wait for an interrupted start (Spawner.resumeStart) and has a saved state.
 */
function resumable(a: ActiveServer, spawner: Spawner): boolean {
  if (a.status !== 'spawning') return false;
  return !!a.target || (!!spawner.resumeStart && Object.keys(a.state).length > 0);
}

/**
 * The rest of the spawn for an adopted row (`live.spawner` loaded from the row's state): the
 * interrupted start (if it had not returned), waiting for HTTP, the route, `running`. Throws
 * HubError LABHUB_ERR_SPAWN_TIMEOUT (did not answer in time), LABHUB_ERR_SPAWN_FAILED (exited,
 * or 'Spawn cancelled' when a stop arrived), or what adding the route throws.
 */
export async function resumeSpawn(
  d: SpawnStepsDeps,
  a: ActiveServer,
  live: Live,
  log: Logger,
): Promise<void> {
  if (!resumable(a, live.spawner)) return startAgain(d, a, live, log, 'nothing was launched yet');
  try {
    await resumeSteps(d, a, live, log);
  } catch (e) {
    // What the dead replica launched is gone (or was never launched under the saved name):
    // the user's start is done again here, once.
    if (!(isHubError(e) && e.code === 'LABHUB_ERR_SPAWN_FAILED') || a.target || live.stopping)
      throw e;
    await startAgain(d, a, live, log, e.userMessage);
  }
}

/**
 * The spawn done again from the start by the adopter, for a row still `spawning` and ours:
 * whatever the dead replica's attempt left is stopped first.
 */
async function startAgain(
  d: SpawnStepsDeps,
  a: ActiveServer,
  live: Live,
  log: Logger,
  why: string,
): Promise<void> {
  await live.spawner.stop({ now: true }).catch(() => undefined);
  const user = await d.store.users.byName(a.userName);
  const rec = await d.store.servers.byId(a.id);
  if (!user || rec?.status !== 'spawning' || rec.ownerReplica !== d.owner || live.stopping)
    throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');
  log.warn(
    `Starting ${a.userName}/${a.name} again: its hub replica died while starting it (${why})`,
  );
  live.userOptions = rec.userOptions;
  live.progress.push({
    progress: 0,
    message: 'Starting again (the hub replica starting this server died)',
  });
  await runSpawnSteps(d, user, rec, live, log);
}

async function resumeSteps(
  d: SpawnStepsDeps,
  a: ActiveServer,
  live: Live,
  log: Logger,
): Promise<void> {
  const s = d.settings.spawner;
  const prefix = serverPrefixFor(d.settings.baseUrl, a.userName, a.name);
  const spawner = live.spawner;
  live.progress.push({ progress: 0, message: 'Server requested' });
  live.progress.push({
    progress: 50,
    message: 'Spawning server... (resumed by another hub replica)',
  });
  // The timeouts count from the original start.
  const since = a.started ? a.started.getTime() : Date.now();
  let target = a.target;
  if (!target) {
    const left = since + s.startTimeout * 1000 - Date.now();
    const started = await withTimeout(
      spawner.resumeStart!(),
      Math.max(1000, left),
      () =>
        new HubError(
          'LABHUB_ERR_SPAWN_TIMEOUT',
          500,
          `The server did not start within ${s.startTimeout} seconds (Spawner.start_timeout).`,
        ),
    );
    target = started.url;
    if (
      !(await d.store.servers.updateIfOwner(a.id, d.owner, { target, state: spawner.getState() }))
    )
      throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');
  }
  live.progress.push({ progress: 75, message: 'Waiting for the server to answer...' });
  const left = since + (s.startTimeout + s.httpTimeout) * 1000 - Date.now();
  const version = await waitForHttp(`${target}${prefix}api`, Math.max(1, left / 1000), async () => {
    const status = await spawner.poll();
    return status === null
      ? null
      : `The server process exited with status ${status} before it was ready.`;
  });
  if (live.stopping) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');
  await d.routes.add(a.userName, a.name, target);
  if (!(await d.store.servers.finishSpawn(a.id, d.owner, { serverVersion: version })))
    throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');
  d.metrics.runningServers.inc();
  log.info({ url: target }, `Server ${a.userName}/${a.name} ready at ${prefix} (spawn resumed)`);
  live.progress.push(readyEvent(prefix));
}
