import type { Logger } from '../../log.js';
import { HubError } from '../../errors.js';
import type { Store, TokenRecord, User } from '../../db/index.js';
import {
  defaultRoles,
  effectiveScopesForService,
  effectiveScopesForUser,
  rawScopesForUser,
  tokenEffectiveScopes,
  validateLoadRoles,
  type RoleSpec,
} from './roles.js';
import { ScopeCache } from './scope-cache.js';
import { validateCustomScopes, type CustomScopes, type GroupsOfUser } from './scopes.js';
import type { RoleSettings } from '../settings.js';

/** Who made a request, and what they may do. */
export interface Principal {
  kind: 'user' | 'service';
  name: string;
  /** The user row (users only). */
  user: User | null;
  /** Expanded effective scopes of this credential. */
  scopes: Set<string>;
  /** The token used (token auth only). */
  token: TokenRecord | null;
  /** Login session (cookie auth) or the OAuth token's session. */
  sessionId: string | null;
  via: 'token' | 'cookie';
}

/**
 * Roles and scopes backed by the database: syncs `load_roles` at start, computes the effective
 * scopes of users, services and tokens. Group membership is fetched per decision, never in bulk.
 */
export class Permissions {
  private rolesByName = new Map<string, RoleSpec>();
  readonly #scopeCache = new ScopeCache();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: {
      loadRoles: readonly RoleSettings[];
      extraUserScopes: readonly string[];
      customScopes: CustomScopes;
      adminServices?: string[];
    },
  ) {}

  /**
   * Validate `custom_scopes` and `load_roles`, write roles and their assignments to the database.
   * Throws LABHUB_ERR_CONFIG.
   */
  async init(): Promise<void> {
    const scopeErrors = validateCustomScopes(this.opts.customScopes);
    if (scopeErrors.length)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.custom_scopes is invalid:\n  - ${scopeErrors.join('\n  - ')}`,
      );
    const result = validateLoadRoles(this.opts.loadRoles, {
      customScopes: this.opts.customScopes,
      extraUserScopes: this.opts.extraUserScopes,
    });
    for (const w of result.warnings) this.log.warn({ warning: w }, `load_roles: ${w}`);
    if (result.errors.length) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.load_roles is invalid:\n  - ${result.errors.join('\n  - ')}`,
      );
    }
    const defaults = new Set(defaultRoles(this.opts.extraUserScopes).map((r) => r.name));
    for (const spec of result.roles.values()) {
      const row = await this.store.roles.upsert(spec.name, spec.description ?? '', spec.scopes);
      if (defaults.has(spec.name) && !this.opts.loadRoles.some((r) => r.name === spec.name))
        continue;
      for (const u of spec.users ?? []) {
        const user = await this.store.users.ensure(u);
        await this.store.roles.assign(row.id, 'user', user.id);
      }
      for (const g of spec.groups ?? []) {
        const group = await this.store.groups.ensure(g);
        await this.store.roles.assign(row.id, 'group', group.id);
      }
      for (const s of spec.services ?? []) await this.store.roles.assign(row.id, 'service', s);
    }
    await this.reload();
  }

  async reload(): Promise<void> {
    const all = await this.store.roles.all();
    this.rolesByName = new Map(
      all.map((r) => [r.name, { name: r.name, description: r.description, scopes: r.scopes }]),
    );
  }

  roles(): ReadonlyMap<string, RoleSpec> {
    return this.rolesByName;
  }

  get customScopes(): CustomScopes {
    return this.opts.customScopes;
  }

  /** A group lookup for scope decisions; fetches membership of the named users once. */
  async groupsOf(names: Iterable<string>): Promise<GroupsOfUser> {
    const map = new Map<string, string[]>();
    const wanted = [...new Set(names)].filter(Boolean);
    if (wanted.length) {
      const users = await this.store.users.byNames(wanted);
      const groups = await this.store.groups.groupNamesOfUsers(users.map((u) => u.id));
      for (const u of users) map.set(u.name, groups.get(u.id) ?? []);
    }
    return (user: string) => map.get(user) ?? [];
  }

  /** {@link groupsOf} for one user whose row the caller has (not read again). */
  async groupsOfUser(user: Pick<User, 'id' | 'name'>): Promise<GroupsOfUser> {
    const groups = (await this.store.groups.groupNamesOfUsers([user.id])).get(user.id) ?? [];
    return (name: string) => (name === user.name ? groups : []);
  }

  private async roleInput(user: User) {
    const [roleNames, groupRoleNames, shareScopes] = await Promise.all([
      this.store.roles.rolesOf('user', user.id),
      this.store.roles.groupRolesOfUser(user.id),
      // Servers shared with the user or their groups (§5.4).
      this.store.shares.scopesForUser(user.id),
    ]);
    return { name: user.name, admin: user.admin, roleNames, groupRoleNames, shareScopes };
  }

  async userScopes(user: User): Promise<Set<string>> {
    return effectiveScopesForUser(
      await this.roleInput(user),
      this.rolesByName,
      this.opts.customScopes,
    );
  }

  async userRawScopes(user: User): Promise<Set<string>> {
    const input = await this.roleInput(user);
    return new Set([...rawScopesForUser(input, this.rolesByName), ...input.shareScopes]);
  }

  async userRoleNames(user: Pick<User, 'id' | 'admin'>): Promise<string[]> {
    const names = new Set(['user', ...(await this.store.roles.rolesOf('user', user.id))]);
    if (user.admin) names.add('admin');
    return [...names].sort();
  }

  async serviceScopes(name: string, admin = false): Promise<Set<string>> {
    const roleNames = await this.store.roles.rolesOf('service', name);
    return effectiveScopesForService(
      { name, admin: admin || (this.opts.adminServices ?? []).includes(name), roleNames },
      this.rolesByName,
      this.opts.customScopes,
    );
  }

  async serviceRoleNames(name: string): Promise<string[]> {
    return this.store.roles.rolesOf('service', name);
  }

  /**
   * Scopes of a request's credential, from the cache while the authorization generation is the
   * one they were computed at (scope-cache.ts), else computed and cached. The generation is read
   * before computing, so a change made meanwhile makes the next request compute again.
   */
  private async cached(key: string, compute: () => Promise<Set<string>>): Promise<Set<string>> {
    const generation = await this.store.authz.current();
    const hit = this.#scopeCache.get(key, generation);
    if (hit) return hit;
    const scopes = await compute();
    this.#scopeCache.set(key, generation, scopes);
    return scopes;
  }

  /** Effective scopes of a user's API or OAuth token (cached). */
  userTokenScopes(token: TokenRecord, user: User): Promise<Set<string>> {
    return this.cached(`t${token.id}`, async () =>
      this.tokenScopes(token, { kind: 'user', name: user.name }, await this.userScopes(user)),
    );
  }

  /** Effective scopes of a service's token (cached). */
  serviceTokenScopes(
    token: TokenRecord,
    svc: { name: string; admin: boolean },
  ): Promise<Set<string>> {
    return this.cached(`t${token.id}:${svc.admin ? 'a' : ''}`, async () =>
      this.tokenScopes(
        token,
        { kind: 'service', name: svc.name },
        await this.serviceScopes(svc.name, svc.admin),
      ),
    );
  }

  /** Effective scopes of a user logged in with the login cookie (cached). */
  sessionScopes(user: User): Promise<Set<string>> {
    return this.cached(`u${user.id}`, () => this.userScopes(user));
  }

  /** Effective scopes of a token at use time (§5.4), given its owner's current scopes. */
  async tokenScopes(
    token: TokenRecord,
    owner: { kind: 'user' | 'service'; name: string },
    ownerScopes: Set<string>,
  ): Promise<Set<string>> {
    const client =
      token.clientId === 'jupyterhub' ? undefined : await this.oauthClientResource(token.clientId);
    const groupsOf = await this.groupsOf(owner.kind === 'user' ? [owner.name] : []);
    return tokenEffectiveScopes(
      {
        rawScopes: token.scopes,
        owner,
        ownerScopes,
        oauthClient: client,
        customScopes: this.opts.customScopes,
      },
      groupsOf,
    );
  }

  /** The resource an OAuth client stands for: `{server: 'alice/'}` or `{service: name}`. */
  async oauthClientResource(
    clientId: string,
  ): Promise<{ server?: string; service?: string } | undefined> {
    if (clientId.startsWith('service-')) return { service: clientId.slice('service-'.length) };
    const client = await this.store.oauth.client(clientId);
    if (client?.serverId != null) {
      const srv = await this.store.servers.byId(client.serverId);
      const owner = srv ? await this.store.users.byId(srv.userId) : null;
      if (srv && owner) return { server: `${owner.name}/${srv.name}` };
    }
    return {};
  }
}
