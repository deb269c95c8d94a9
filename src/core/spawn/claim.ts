import { HubError } from '../../errors.js';
import type { ServerRecord, User } from '../../db/index.js';
import type { JsonObject } from '../../util/json.js';
import { checkSpawnLimits } from './spawn-limits.js';
import type { SpawnManagerDeps } from './spawn-deps.js';

/**
 * A start's claim of its server (hub-protocol.md §1.4): exactly one start wins, whichever
 * replica it reaches (compare-and-set on the row). Answers the claimed row (`spawning`, owned by
 * `owner`) and the spawn's user_options, or 'pending' when a spawn is under way. Throws what
 * the checks throw (the budget's 403, the spawn limits' 429) and 400 for a running or stopping
 * server. `known`: the row as the caller just read it (null: none), not read again.
 */
export async function claimStart(
  d: SpawnManagerDeps,
  owner: string,
  spawning: () => number,
  user: User,
  serverName: string,
  userOptions: JsonObject | null,
  known: ServerRecord | null | undefined,
): Promise<{ rec: ServerRecord; options: JsonObject; created: boolean } | 'pending'> {
  const label = serverName ? `${user.name}/${serverName}` : user.name;
  const servers = d.store.servers;
  if (known === null) {
    // No row yet (a first start): the checks, then one statement that creates it claimed.
    await d.lifecycle?.admit?.(user);
    await checkSpawnLimits(d, spawning());
    await d.beforeSpawn?.(user);
    const options = userOptions ?? {};
    const opts = { started: new Date(), userOptions: options };
    const rec = await servers.createClaimed(user.id, serverName, owner, opts);
    if (rec) return { rec, options, created: true };
    // Created meanwhile by another request or replica: claimed below like any existing row.
  }
  const rec = await servers.ensure(user.id, serverName, known ?? undefined);
  if (rec.status === 'spawning') return 'pending';
  if (rec.status === 'stopped') await d.lifecycle?.admit?.(user);
  if (rec.status === 'running')
    throw new HubError('LABHUB_ERR_CONFLICT', 400, `${label} is already running`);
  if (rec.status === 'stopping')
    throw new HubError(
      'LABHUB_ERR_CONFLICT',
      400,
      `${label} is pending stop; try again when it has stopped`,
    );
  await checkSpawnLimits(d, spawning());
  await d.beforeSpawn?.(user);
  const options = userOptions ?? rec.userOptions;
  const won = await servers.claimForSpawn(rec.id, owner, {
    started: new Date(),
    lastError: null,
    userOptions: options,
    target: null,
  });
  if (won) return { rec, options, created: false };
  const now = await servers.byId(rec.id);
  if (now?.status === 'spawning') return 'pending';
  throw new HubError(
    'LABHUB_ERR_CONFLICT',
    400,
    now?.status === 'running'
      ? `${label} is already running`
      : `${label} changed state while starting (${now?.status ?? 'deleted'}); try again`,
  );
}
