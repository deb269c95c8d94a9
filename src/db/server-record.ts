/** A server's record as the repositories answer it, and how a row becomes one. */
import type { Selectable } from 'kysely';
import type { ServersTable } from './schema.js';
import { fromIso } from './time.js';
import type { JsonObject } from '../util/json.js';

export type ServerStatus = 'stopped' | 'spawning' | 'running' | 'stopping';

/** One (user, server name) record: the persisted half of a spawner. */
export interface ServerRecord {
  id: number;
  userId: number;
  name: string;
  displayName: string | null;
  status: ServerStatus;
  target: string | null;
  state: JsonObject;
  userOptions: JsonObject;
  started: Date | null;
  lastActivity: Date | null;
  lastError: string | null;
  serverVersion: string | null;
  /** The hub replica driving this server (null: none; the leader adopts it). */
  ownerReplica: string | null;
}

/** An active server with its owner's name (what startup and the proxy sync need). */
export interface ActiveServer extends ServerRecord {
  userName: string;
}

export type Row = Selectable<ServersTable>;

export function toRecord(r: Row): ServerRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    displayName: r.display_name,
    status: r.status as ServerStatus,
    target: r.target,
    state: JSON.parse(r.state),
    userOptions: JSON.parse(r.user_options),
    started: fromIso(r.started),
    lastActivity: fromIso(r.last_activity),
    lastError: r.last_error,
    serverVersion: r.server_version,
    ownerReplica: r.owner_replica ?? null,
  };
}

export interface ServerPatch {
  status?: ServerStatus;
  target?: string | null;
  state?: JsonObject;
  userOptions?: JsonObject;
  started?: Date | null;
  lastError?: string | null;
  serverVersion?: string | null;
  displayName?: string | null;
  name?: string;
}
