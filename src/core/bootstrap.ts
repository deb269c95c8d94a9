/**
 * What the hub and `labhub --admin` put in the database before anyone logs in: the admins of
 * `admin_users`, the groups of `load_groups`, the services' configured API tokens, the first
 * admin named with `--admin` (its account is the authenticator's `adminBootstrap`) and the owner
 * of a `labhub token`. Every user name goes through the configured authenticator's
 * normalisation (lower-case, username_map), as at login, and the hub's name rules. Adds, never
 * removes (like JupyterHub).
 */
import type { Store, User } from '../db/index.js';
import { HubError } from '../errors.js';
import type { JsonObject } from '../util/json.js';
import { checkUserName } from '../util/names.js';

export interface BootstrapDeps {
  users: Store['users'];
  groups: Store['groups'];
  tokens: Store['tokens'];
  /** The configured authenticator's username normalisation (its policy's). */
  normalize(name: string): string;
}

/** The config's seeds (JupyterHub.load_groups, Authenticator.admin_users). */
export interface UserSeeds {
  adminUsers: readonly string[];
  loadGroups: Readonly<Record<string, { users: readonly string[]; properties: object }>>;
}

/** A service of JupyterHub.services as far as its token is concerned. */
export interface ServiceTokenSeed {
  name: string;
  apiToken: string | null;
}

export class Bootstrap {
  constructor(private readonly d: BootstrapDeps) {}

  /**
   * The normalized name, or LABHUB_ERR_CONFIG naming `where` (the key or flag) when it breaks
   * the hub's name rules (username_pattern is the login's business, as in JupyterHub).
   */
  userName(name: string, where: string): string {
    const n = this.d.normalize(name);
    const valid = checkUserName(n);
    if (!valid.ok)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        400,
        `${where} ${JSON.stringify(name)}: ${valid.reason}.`,
      );
    return n;
  }

  /** A user (created when missing), e.g. the owner of a token made with `labhub token`. */
  async user(name: string, where: string): Promise<User> {
    return this.d.users.ensure(this.userName(name, where));
  }

  /** An admin user (created, or made admin). */
  async admin(name: string, where: string): Promise<User> {
    const user = await this.d.users.ensure(this.userName(name, where), { admin: true });
    if (!user.admin) await this.d.users.setAdmin(user.id, true);
    return { ...user, admin: true };
  }

  /** Admin users from admin_users, groups (members, properties) from load_groups. */
  async seedUsersAndGroups(seeds: UserSeeds): Promise<void> {
    for (const name of seeds.adminUsers) await this.admin(name, 'Authenticator.admin_users');
    for (const [g, spec] of Object.entries(seeds.loadGroups)) {
      const group = await this.d.groups.ensure(g);
      if (Object.keys(spec.properties).length)
        await this.d.groups.setProperties(group.id, spec.properties as JsonObject);
      for (const name of spec.users) {
        const user = await this.d.users.ensure(this.userName(name, `JupyterHub.load_groups[${g}]`));
        await this.d.groups.addMember(group.id, user.id);
      }
    }
  }

  /** Each configured service's api_token becomes a token owned by it (replaced when it changed). */
  async seedServiceTokens(services: readonly ServiceTokenSeed[]): Promise<void> {
    for (const svc of services) {
      if (!svc.name)
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          'JupyterHub.services: every service needs a name',
        );
      const note = `Service ${svc.name} (from config)`;
      // The same token as at the last start: kept (one PBKDF2 check instead of a new hash now and
      // another check at the service's first request), as JupyterHub keeps a known api_token.
      const kept =
        svc.apiToken && svc.apiToken.length >= 8 ? await this.d.tokens.find(svc.apiToken) : null;
      if (
        kept &&
        kept.serviceName === svc.name &&
        kept.note === note &&
        kept.expiresAt === null &&
        kept.scopes.length === 1 &&
        kept.scopes[0] === 'inherit'
      ) {
        await this.d.tokens.deleteForService(svc.name, kept.id);
        continue;
      }
      await this.d.tokens.deleteForService(svc.name);
      if (!svc.apiToken) continue;
      if (svc.apiToken.length < 8)
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `JupyterHub.services[${svc.name}].api_token is too short (at least 8 characters).`,
        );
      await this.d.tokens.create({
        serviceName: svc.name,
        scopes: ['inherit'],
        note,
        supplied: svc.apiToken,
      });
    }
  }
}
