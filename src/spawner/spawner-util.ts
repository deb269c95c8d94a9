/** Small helpers of the local-process spawner: waiting, host formatting, spawn errors. */
import { HubError } from '../errors.js';
import { SPAWNER_ENV_KEEP } from '../config/env-keep.js';

/** LocalProcessSpawner.env_keep default (hub-protocol.md §1.2), and LD_LIBRARY_PATH for tests. */
export const DEFAULT_ENV_KEEP = [...SPAWNER_ENV_KEEP, 'LD_LIBRARY_PATH'];
export const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const SYSTEM_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits for `p` or `ms`, whichever comes first, without leaving the timer behind. */
export async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p,
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `alice` or `alice/gpu`: how messages name one server. */
export function serverLabel(userName: string, serverName: string): string {
  return serverName ? `${userName}/${serverName}` : userName;
}

/** LABHUB_ERR_SPAWN_FAILED for the server `who`, with the reason and what to do in `message`. */
export function spawnFailed(who: string, message: string, logMessage?: string): HubError {
  return new HubError(
    'LABHUB_ERR_SPAWN_FAILED',
    500,
    `Cannot start the server of ${who}: ${message}`,
    {
      logMessage,
    },
  );
}
