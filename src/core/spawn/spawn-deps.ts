import type { Logger } from '../../log.js';
import type { ActiveServer, Store, User } from '../../db/index.js';
import type { Proxy } from '../../proxy/types.js';
import type { SpawnerDefinition, SpawnerOptions } from '../../spawner/types.js';
import type { HubMetrics } from '../../metrics/hub-metrics.js';
import type { Permissions } from '../rbac/permissions.js';
import type { Settings } from '../settings.js';
import type { ServerLifecycle } from './lifecycle.js';
import type { ServerRoutes } from './server-routes.js';
import type { Live } from './spawn-steps.js';

/** What the spawn lifecycle (SpawnManager and its steps) is given by the hub. */
export interface SpawnManagerDeps {
  settings: Settings;
  store: Store;
  log: Logger;
  permissions: Permissions;
  proxy: Proxy;
  metrics: HubMetrics;
  spawner: SpawnerDefinition;
  /** Told about each server's spawn, start and end (the usage accounting). */
  lifecycle?: ServerLifecycle;
  /**
   * The hub replica this manager runs in (docs/high-availability.md): it owns the servers it
   * starts, stops or adopts. Default: a one-off id (e.g. `labhub stop --all`).
   */
  replicaId?: string;
  /**
   * Called before a server starts (after the checks that refuse a start): the authenticator's
   * refresh_pre_spawn. Throws a HubError to refuse the start (e.g. the login has expired).
   */
  beforeSpawn?: (user: User) => Promise<void>;
  /** Extra environment of a user's server from its auth_state (applied before Spawner.environment). */
  authStateEnv?: (user: User) => Promise<Record<string, string>>;
  /** Resolves the single-user command (creating labhub's Python environment if needed). */
  resolveCommand?: (
    cmd: string[],
    report: (msg: string) => void,
  ) => Promise<{ cmd: string[]; pathPrefix?: string }>;
}

/**
 * What SpawnManager shares with the modules that carry out parts of its work (teardown,
 * adoption, route reconcile): its dependencies and the servers this process drives.
 */
export interface SpawnInternals {
  readonly d: SpawnManagerDeps;
  readonly routes: ServerRoutes;
  /** The servers this hub process drives, by server id. */
  readonly live: Map<number, Live>;
  /** This replica's id: the owner recorded on the servers it drives. */
  readonly replicaId: string;
  prefix(userName: string, serverName: string): string;
  spawnerOptions(userName: string, serverName: string): SpawnerOptions;
  /** Finish, in the background, the spawn of an adopted server whose start had returned. */
  resumeSpawn(a: ActiveServer, live: Live): void;
}
