/**
 * Sharing a user's server with other users and groups (JupyterHub 5 shares), for the REST API:
 * which scopes may be shared (valid, filtered on exactly that server, held by the granter), who
 * may receive them (an existing user other than the owner, or a group, whose name the granter
 * may read), and grants, partial and total revocation. Share codes are in share-codes.ts.
 */
import type { ServerRecord, Share, ShareTarget, Store, User } from '../db/index.js';
import { HubError } from '../errors.js';
import type { Permissions } from './rbac/permissions.js';
import { checkAccess, expandScopes, parseScope, scopeError, scopesSubset } from './rbac/scopes.js';

const bad = (msg: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, msg);

/** The one who grants: their kind, name and effective scopes. */
export interface Granter {
  kind: 'user' | 'service';
  name: string;
  scopes: ReadonlySet<string>;
}

export interface ShareServiceDeps {
  users: Store['users'];
  groups: Store['groups'];
  servers: Store['servers'];
  shares: Store['shares'];
  permissions: Pick<Permissions, 'customScopes' | 'groupsOf'>;
}

export const noSuchServer = (owner: User, serverName: string) =>
  new HubError(
    'LABHUB_ERR_NOT_FOUND',
    404,
    `${owner.name} has no server named '${serverName.slice(0, 64)}'`,
  );

export class ShareService {
  constructor(private readonly d: ShareServiceDeps) {}

  /**
   * The owner's server record, or null. With `create`, the default server's record is made on
   * demand (a named server that does not exist is 404).
   */
  async server(owner: User, serverName: string, create = false): Promise<ServerRecord | null> {
    const rec = await this.d.servers.get(owner.id, serverName);
    if (rec || !create) return rec;
    if (serverName) throw noSuchServer(owner, serverName);
    return this.d.servers.ensure(owner.id, '');
  }

  /**
   * The owner's server for a listing or a revocation: null for a default server without a
   * record (nothing shared yet), 404 for a named server that does not exist.
   */
  async existingServer(owner: User, serverName: string): Promise<ServerRecord | null> {
    const rec = await this.server(owner, serverName);
    if (!rec && serverName) throw noSuchServer(owner, serverName);
    return rec;
  }

  /**
   * The scopes of a share of server `full` (`owner/name`): default
   * `access:servers!server=<full>` when `required`; each must be a valid scope filtered on
   * exactly this server; when granting (`required`) the granter must hold them all (403).
   * Undefined when not given and not required (a revocation of everything).
   */
  scopes(by: Granter, raw: unknown, full: string, required: boolean): string[] | undefined {
    if (raw === undefined || raw === null)
      return required ? [`access:servers!server=${full}`] : undefined;
    if (!Array.isArray(raw) || !raw.every((s) => typeof s === 'string'))
      throw bad('scopes must be a list of scope strings');
    const scopes = raw as string[];
    if (required && !scopes.length)
      throw bad(`scopes must not be empty (default: ["access:servers!server=${full}"])`);
    const { customScopes } = this.d.permissions;
    for (const s of scopes) {
      const err = scopeError(s, customScopes);
      if (err) throw bad(err);
      const parsed = parseScope(s)!;
      if (parsed.filter?.kind !== 'server' || parsed.filter.value !== full)
        throw bad(
          `Shared scopes must be filtered on the shared server: expected '${parsed.base}!server=${full}', got '${s}'`,
        );
    }
    if (required) {
      const missing = scopesSubset(expandScopes(scopes, { customScopes }), by.scopes, () => []);
      if (missing.length)
        throw new HubError(
          'LABHUB_ERR_FORBIDDEN',
          403,
          `Not sharing scopes ${missing.join(', ')}: ${by.kind} ${by.name} does not hold them`,
        );
    }
    return scopes;
  }

  /**
   * `{user: name}` or `{group: name}` → the share's target: 400 if both or neither are given,
   * the name is unknown, or the user is the owner; 403 when the granter may not read its name.
   */
  async target(
    by: Granter,
    spec: { user?: unknown; group?: unknown },
    owner: User,
  ): Promise<ShareTarget> {
    const hasUser = typeof spec.user === 'string';
    const hasGroup = typeof spec.group === 'string';
    if (hasUser === hasGroup) throw bad('Specify exactly one of "user" or "group" (a name)');
    if (hasUser) {
      const name = spec.user as string;
      const u = await this.d.users.byName(name);
      if (!u) throw bad(`No such user: ${name.slice(0, 64)}`);
      if (u.id === owner.id) throw bad(`Cannot share a server with its owner (${owner.name})`);
      const groupsOf = await this.d.permissions.groupsOf([name]);
      if (checkAccess(by.scopes, ['read:users:name'], { user: name }, groupsOf) !== 'granted')
        throw new HubError(
          'LABHUB_ERR_FORBIDDEN',
          403,
          `Sharing with user ${name} needs read:users:name on that user`,
        );
      return { userId: u.id };
    }
    const gname = spec.group as string;
    const g = await this.d.groups.byName(gname);
    if (!g) throw bad(`No such group: ${gname.slice(0, 64)}`);
    if (checkAccess(by.scopes, ['read:groups:name'], { group: gname }, () => []) !== 'granted')
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        `Sharing with group ${gname} needs read:groups:name on that group`,
      );
    return { groupId: g.id };
  }

  /** Grant (or widen) a share of the owner's server, made on demand for the default server. */
  async grant(
    by: Granter,
    owner: User,
    serverName: string,
    spec: { user?: unknown; group?: unknown; scopes?: unknown },
  ): Promise<Share> {
    const full = `${owner.name}/${serverName}`;
    const scopes = this.scopes(by, spec.scopes, full, true)!;
    const target = await this.target(by, spec, owner);
    const rec = (await this.server(owner, serverName, true))!;
    return this.d.shares.grant(rec.id, target, scopes);
  }

  /** Take some (or all) scopes of a share back; what is left of it, or null when nothing is. */
  async revoke(
    by: Granter,
    owner: User,
    serverName: string,
    spec: { user?: unknown; group?: unknown; scopes?: unknown },
  ): Promise<Share | null> {
    const full = `${owner.name}/${serverName}`;
    const scopes = this.scopes(by, spec.scopes, full, false);
    const target = await this.target(by, spec, owner);
    const rec = await this.server(owner, serverName);
    if (!rec) return null;
    return this.d.shares.revoke(rec.id, target, scopes);
  }

  /** Revoke every share of the server (a default server without a record has none). */
  async revokeAll(owner: User, serverName: string): Promise<void> {
    const rec = await this.existingServer(owner, serverName);
    if (rec) await this.d.shares.revokeAll(rec.id);
  }

  /** Shares of an owner's servers (of one server with `serverName`), one page. */
  async ofOwner(
    owner: User,
    serverName: string | undefined,
    offset: number,
    limit: number,
  ): Promise<{ shares: Share[]; total: number }> {
    if (serverName === undefined) return this.d.shares.list({ ownerId: owner.id }, offset, limit);
    const rec = await this.existingServer(owner, serverName);
    if (!rec) return { shares: [], total: 0 };
    return this.d.shares.list({ ownerId: owner.id, serverName }, offset, limit);
  }

  /** What is shared with a user (also through their groups) or with a group, one page. */
  sharedWith(
    target: { user: User } | { groupId: number },
    offset: number,
    limit: number,
  ): Promise<{ shares: Share[]; total: number }> {
    return 'user' in target
      ? this.d.shares.list({ userId: target.user.id, viaGroups: true }, offset, limit)
      : this.d.shares.list({ groupId: target.groupId }, offset, limit);
  }

  /** The share of `ownerName/serverName` held directly by the target, or null. */
  async heldBy(
    target: ShareTarget,
    ownerName: string,
    serverName: string,
  ): Promise<{ rec: ServerRecord; share: Share } | null> {
    const owner = await this.d.users.byName(ownerName);
    const rec = owner ? await this.d.servers.get(owner.id, serverName) : null;
    const share = rec ? await this.d.shares.get(rec.id, target) : null;
    return rec && share ? { rec, share } : null;
  }

  /** Revoke the share of a server held directly by the target. */
  async revokeHeld(rec: ServerRecord, target: ShareTarget): Promise<void> {
    await this.d.shares.revoke(rec.id, target);
  }
}
