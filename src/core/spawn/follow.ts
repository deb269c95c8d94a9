/**
 * Following a server that another hub replica drives (docs/high-availability.md): its row is
 * read every FOLLOW_MS until the stop or spawn there ends.
 */
import type { ServerRecord, Store } from '../../db/index.js';
import { ProgressChannel, readyEvent } from './progress.js';

/** How often a request waiting on another replica's spawn or stop reads the server row. */
const FOLLOW_MS = 250;

/** Wait (up to `timeoutMs`) for another replica to finish a stop. */
export async function followUntilStopped(
  store: Store,
  id: number,
  timeoutMs: number,
): Promise<'stopped' | 'pending'> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await store.servers.byId(id);
    if (!r || r.status === 'stopped') return 'stopped';
    if (Date.now() >= until) return 'pending';
    await new Promise((res) => setTimeout(res, FOLLOW_MS));
  }
}

/**
 * The progress of a spawn another replica drives: its detailed messages stay there, so this
 * stream follows the row (requested, then ready or failed) for up to `timeoutMs`.
 */
export function followSpawn(
  store: Store,
  rec: ServerRecord,
  timeoutMs: number,
  prefix: (userName: string, serverName: string) => string,
): ProgressChannel {
  const ch = new ProgressChannel();
  ch.push({ progress: 0, message: 'Server requested' });
  void (async () => {
    const until = Date.now() + timeoutMs;
    while (!ch.isClosed && Date.now() < until) {
      await new Promise((res) => setTimeout(res, FOLLOW_MS));
      const r = await store.servers.byId(rec.id).catch(() => null);
      if (!r || r.status === 'stopped' || r.status === 'stopping') {
        ch.push({
          progress: 100,
          failed: true,
          message: `Spawn failed: ${r?.lastError ?? 'the server was stopped'}`,
        });
      } else if (r.status === 'running') {
        const user = await store.users.byId(r.userId);
        ch.push(readyEvent(prefix(user?.name ?? '', r.name)));
      }
    }
  })();
  return ch;
}
