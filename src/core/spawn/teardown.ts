import type { ServerRecord } from '../../db/index.js';
import { clientIdFor } from '../../spawner/spawn-env.js';
import type { SessionEnd } from './lifecycle.js';
import type { SpawnInternals } from './spawn-deps.js';
import type { Live } from './spawn-steps.js';

export interface TearDownOptions {
  now: boolean;
  error?: string;
  end: SessionEnd;
  /** `rec` was just read from the database: the take-over check uses it instead of reading. */
  read?: boolean;
}

/**
 * Tear down everything a server holds (§1.4 stop, in reverse of the spawn): route, process, the
 * server's token and OAuth client; the record ends 'stopped'. Never throws.
 */
export async function tearDown(
  h: SpawnInternals,
  userName: string,
  rec: ServerRecord,
  live: Live | undefined,
  opts: TearDownOptions,
): Promise<void> {
  const d = h.d;
  if (await takenOver(h, userName, rec, live, opts.read ? rec : undefined)) return;
  const wasRunning = rec.status === 'running' || rec.status === 'stopping';
  await h.routes.remove(userName, rec.name);
  try {
    if (live?.spawner) await live.spawner.stop({ now: opts.now });
  } catch (e) {
    d.log.warn({ err: e }, `Spawner stop of ${userName}/${rec.name} failed`);
  }
  const clientId = clientIdFor(userName, rec.name);
  const client = await d.store.oauth.client(clientId);
  if (client && (client.serverId === null || client.serverId === rec.id)) {
    // Only this server's own client (see the collision check in issueServerCredentials).
    await d.store.tokens.deleteForClient(clientId);
    await d.store.oauth.deleteClient(clientId);
  }
  const prefix = h.prefix(userName, rec.name);
  await d.store.tokens.deleteForUserNote(rec.userId, `Server at ${prefix}`);
  // Not a row another replica took over meanwhile (see takenOver).
  await d.store.servers.updateIfOwner(rec.id, h.replicaId, {
    status: 'stopped',
    target: null,
    state: {},
    ...(opts.error !== undefined ? { lastError: opts.error } : {}),
  });
  if (wasRunning && rec.status !== 'spawning') d.metrics.runningServers.dec();
  h.live.delete(rec.id);
  await d.lifecycle?.ended(rec.id, opts.end);
}

/**
 * A replica declared dead while it drove this server (paused longer than replica_timeout) finds
 * the row taken over by another replica, which now drives it: its route, its row, and the
 * process its saved state names are left to that replica. Only a process the new owner cannot
 * know of — launched here after it loaded the state (another launch id than the row's) — is
 * stopped here. True when the server was left (nothing else to tear down here).
 */
async function takenOver(
  h: SpawnInternals,
  userName: string,
  rec: ServerRecord,
  live: Live | undefined,
  /** The row as just read (not read again). */
  current?: ServerRecord,
): Promise<boolean> {
  const now = current ?? (await h.d.store.servers.byId(rec.id));
  if (!now || now.status === 'stopped' || !now.ownerReplica || now.ownerReplica === h.replicaId)
    return false;
  const launch = live?.spawner?.getState().launch;
  if (live?.spawner && typeof launch === 'string' && launch !== now.state.launch)
    await live.spawner.stop({ now: true }).catch(() => undefined);
  h.d.log.warn(
    `${userName}/${rec.name} was taken over by replica ${now.ownerReplica} (this one was taken for dead): leaving it to it`,
  );
  if (h.live.get(rec.id) === live) h.live.delete(rec.id);
  return true;
}
