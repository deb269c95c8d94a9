/**
 * Servers as the REST API and the pages change them: named-server rules (enabled, name, limit per
 * user), start and stop with their options and display name, creating a named server without
 * starting it, renaming or changing a stopped one, and removing a named server after its stop.
 * The life cycle itself (spawn, routes, stop) is the spawn manager's.
 */
import { HubError } from '../errors.js';
import type { ServerPatch, ServerRecord, Store, User } from '../db/index.js';
import type { JsonObject } from '../util/json.js';
import { checkServerName } from '../util/names.js';
import type { SpawnManager } from './spawn/spawn-manager.js';

export interface ServerServiceDeps {
  servers: Store['servers'];
  spawns: Pick<SpawnManager, 'start' | 'stop'>;
  settings: { readonly allowNamedServers: boolean; readonly namedServerLimitPerUser: number };
}

/** What a start asks for besides the server: the spawner's options and a display name. */
export interface StartRequest {
  /** null: no body (the spawner's defaults or the options form). */
  userOptions: JsonObject | null;
  /** null: leave the display name as it is. */
  displayName: string | null;
}

/** The changes PATCH may make to a stopped named server. */
export interface ServerChanges {
  name?: string;
  displayName?: string | null;
  userOptions?: JsonObject;
}

const bad = (message: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, message);

export class ServerService {
  constructor(private readonly d: ServerServiceDeps) {}

  /**
   * Named servers are on and (unless only an existing server is stopped or removed, which stays
   * possible for names from before the rules) the name passes the name rules.
   */
  checkNamed(serverName: string, opts: { existingOnly?: boolean } = {}): void {
    if (!serverName) return;
    if (!this.d.settings.allowNamedServers)
      throw bad('Named servers are not enabled (set JupyterHub.allow_named_servers = True).');
    if (opts.existingOnly) return;
    const v = checkServerName(serverName);
    if (!v.ok) throw bad(`Invalid server name: ${v.reason}.`);
  }

  /** A new named server stays within `named_server_limit_per_user`. */
  async checkLimit(user: User, serverName: string): Promise<void> {
    const limit = this.d.settings.namedServerLimitPerUser;
    if (!serverName || limit <= 0) return;
    const named = (await this.d.servers.forUser(user.id)).filter((s) => s.name !== '');
    if (!named.some((s) => s.name === serverName) && named.length >= limit)
      throw bad(
        `User ${user.name} already has the maximum of ${limit} named servers. Delete one first.`,
      );
  }

  /** Start (or find already starting): 'ready', 'pending' or 'spawning' (a start is under way). */
  async start(
    user: User,
    serverName: string,
    req: StartRequest,
  ): Promise<'ready' | 'pending' | 'spawning'> {
    this.checkNamed(serverName);
    await this.checkLimit(user, serverName);
    const rec = await this.d.servers.get(user.id, serverName);
    if (rec?.status === 'spawning') return 'spawning';
    const result = await this.d.spawns.start(user, serverName, req.userOptions, { rec });
    if (req.displayName !== null) {
      const r = await this.d.servers.get(user.id, serverName);
      if (r) await this.d.servers.update(r.id, { displayName: req.displayName });
    }
    return result;
  }

  /** Stop; with `remove`, a named server's record goes too once it has stopped. */
  async stop(
    user: User,
    serverName: string,
    opts: { remove?: boolean } = {},
  ): Promise<'stopped' | 'pending'> {
    this.checkNamed(serverName, { existingOnly: true });
    if (opts.remove && !serverName)
      throw bad('Cannot remove the default server (remove applies to named servers only).');
    const rec = await this.d.servers.get(user.id, serverName);
    if (!rec && serverName)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `${user.name} has no server named '${serverName}'`,
      );
    const result = await this.d.spawns.stop(user, serverName, 'stopped', 0, rec);
    if (opts.remove && rec && result === 'stopped') await this.d.servers.delete(rec.id);
    return result;
  }

  /** Creates a named server without starting it (JupyterHub 6.0's PUT). */
  async create(
    user: User,
    serverName: string,
    init: { displayName: string | null; userOptions: JsonObject | null },
  ): Promise<ServerRecord> {
    if (!serverName)
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `The default server of ${user.name} always exists; PUT creates named servers only`,
      );
    this.checkNamed(serverName);
    await this.refuseExisting(user, serverName);
    await this.checkLimit(user, serverName);
    const rec = await this.d.servers.ensure(user.id, serverName);
    await this.d.servers.update(rec.id, {
      displayName: init.displayName,
      ...(init.userOptions ? { userOptions: init.userOptions } : {}),
    });
    return this.reload(rec.id);
  }

  /** Renames a stopped named server, or changes its display name or saved options. */
  async change(user: User, rec: ServerRecord, changes: ServerChanges): Promise<ServerRecord> {
    if (rec.status !== 'stopped') {
      const state =
        rec.status === 'running'
          ? 'running'
          : `pending ${rec.status === 'spawning' ? 'spawn' : 'stop'}`;
      throw bad(`${user.name}/${rec.name} is ${state}; stop it before changing it`);
    }
    const patch: ServerPatch = {};
    if (changes.name !== undefined) {
      if (!rec.name || !changes.name)
        throw bad(
          'The default server cannot be renamed, and no server can be renamed to the default',
        );
      this.checkNamed(changes.name);
      if (changes.name !== rec.name) {
        await this.refuseExisting(user, changes.name);
        patch.name = changes.name;
      }
    }
    if (changes.displayName !== undefined) patch.displayName = changes.displayName;
    if (changes.userOptions !== undefined) patch.userOptions = changes.userOptions;
    await this.d.servers.update(rec.id, patch);
    return this.reload(rec.id);
  }

  private async refuseExisting(user: User, serverName: string): Promise<void> {
    if (await this.d.servers.get(user.id, serverName))
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `${user.name} already has a server named '${serverName}'`,
      );
  }

  private async reload(id: number): Promise<ServerRecord> {
    const rec = await this.d.servers.byId(id);
    if (!rec) throw new HubError('LABHUB_ERR_NOT_FOUND', 404, 'The server was deleted meanwhile');
    return rec;
  }
}
