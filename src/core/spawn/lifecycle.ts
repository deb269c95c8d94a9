import { isHubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';

/** A failed spawn's category for the reports: timeout, cancelled, or the error code's name. */
export function failureCategory(e: unknown): string {
  if (!isHubError(e)) return 'error';
  if (e.code === 'LABHUB_ERR_SPAWN_TIMEOUT') return 'timeout';
  if (e.userMessage === 'Spawn cancelled') return 'cancelled';
  return e.code
    .replace(/^LABHUB_ERR_/, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/** Why a server session ended (usage_sessions.stop_reason). */
export type SessionEnd =
  /** Stopped on request (user, admin, API, hub shutdown with servers). */
  | { reason: 'stopped' }
  /** Stopped by the idle culler. */
  | { reason: 'culled' }
  /** The process exited on its own while the hub watched (detail: its status). */
  | { reason: 'exited'; detail: string }
  /** Found gone after a hub restart; it ended when it was last seen. */
  | { reason: 'lost'; detail: string }
  /** The spawn failed (detail: timeout, cancelled, spawn-failed, user-env, proxy, error…). */
  | { reason: 'failed'; detail: string };

/**
 * What the spawn lifecycle tells about each server (the usage accounting listens). Called by
 * SpawnManager; a listener's error is logged and never fails a spawn or a stop.
 */
export interface ServerLifecycle {
  /**
   * Before a spawn: throws HubError (403, e.g. the monthly budget is used up) to refuse it.
   * Unlike the other calls, its error reaches the caller.
   */
  admit?(user: { id: number; name: string; admin: boolean }): Promise<void>;
  /** A spawn was requested (before the spawner runs). */
  requested(s: {
    serverId: number;
    userId: number;
    userName: string;
    serverName: string;
    userOptions: JsonObject;
    /** The start created the server's row: no session of an earlier spawn can be open. */
    newServer?: boolean;
  }): Promise<void>;
  /** The server answers HTTP and is routed. */
  ready(serverId: number): Promise<void>;
  /** The server is gone (stopped, failed, exited or lost). */
  ended(serverId: number, end: SessionEnd): Promise<void>;
  /** After a restart: a server found running (its session stays open; one is opened if none). */
  reattached(s: {
    serverId: number;
    userId: number;
    userName: string;
    serverName: string;
    userOptions: JsonObject;
    started: Date | null;
  }): Promise<void>;
}
