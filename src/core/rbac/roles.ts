/**
 * Roles (hub-protocol.md §5.1, §5.4, §1.4 step 2): default roles, validation of
 * `JupyterHub.load_roles`, and the effective scopes of users, services and tokens. Pure; role
 * assignments and group membership come in as data and callbacks.
 */
import {
  type CustomScopes,
  type ExpandContext,
  type GroupsOfUser,
  INHERIT_SCOPE,
  accessScopesFor,
  expandScopes,
  identifyScopesFor,
  intersectScopes,
  reduceScopes,
  scopeError,
} from './scopes.js';
import { resolveRequestedScopes } from './scopes-oauth.js';

/** A role definition, as in `load_roles` (member lists optional). */
export interface RoleSpec {
  name: string;
  description?: string;
  scopes: string[];
  users?: string[];
  groups?: string[];
  services?: string[];
}

/** Role names: lowercase, 3–255 characters, as JupyterHub requires. */
export const ROLE_NAME_RE = /^[a-z][a-z0-9\-_~.]{1,253}[a-z0-9]$/;

/** The admin role's scopes (§5.1); they cannot be redefined. */
export const ADMIN_ROLE_SCOPES: readonly string[] = [
  'admin-ui',
  'admin:users',
  'admin:servers',
  'admin:services',
  'tokens',
  'admin:groups',
  'list:services',
  'read:services',
  'read:hub',
  'proxy',
  'shutdown',
  'access:services',
  'access:servers',
  'read:roles',
  'read:metrics',
  'shares',
];

/**
 * The four default roles: `user` (`self` + `extraUserScopes`, i.e.
 * `JupyterHub.extra_user_scopes`), `admin`, `server` and `token` (`inherit`).
 */
export function defaultRoles(extraUserScopes: readonly string[] = []): RoleSpec[] {
  return [
    {
      name: 'user',
      description: 'Standard permissions for users',
      scopes: [...new Set(['self', ...extraUserScopes])],
    },
    {
      name: 'admin',
      description: 'Elevated permissions for administrators',
      scopes: [...ADMIN_ROLE_SCOPES],
    },
    {
      name: 'server',
      description: 'Post activity only',
      scopes: ['users:activity!user', 'access:servers!server'],
    },
    {
      name: 'token',
      description: 'Token with same permissions as its owner',
      scopes: [INHERIT_SCOPE],
    },
  ];
}

/** Why `name` is not a valid role name, or null. */
export function roleNameError(name: unknown): string | null {
  if (typeof name !== 'string' || !ROLE_NAME_RE.test(name)) {
    return `Invalid role name ${JSON.stringify(name)}: expected 3-255 characters, lowercase letters, digits and '-_~.', starting with a letter and ending with a letter or digit`;
  }
  return null;
}

/** Options for {@link validateLoadRoles}. */
export interface LoadRolesOptions {
  customScopes?: CustomScopes;
  /** `JupyterHub.extra_user_scopes`, added to the default `user` role. */
  extraUserScopes?: readonly string[];
}

/** Result of {@link validateLoadRoles}: all roles by name (defaults merged), plus problems. */
export interface LoadRolesResult {
  roles: Map<string, RoleSpec>;
  errors: string[];
  warnings: string[];
}

function stringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * Validates `JupyterHub.load_roles` and merges it over the default roles. Each problem is one
 * message naming the role and the offending value: bad names, duplicate names, non-list fields,
 * unknown scopes (with a did-you-mean), and any attempt to change the `admin` role's scopes.
 * Redefining `user`, `server` or `token` replaces their scopes (with a warning when `user` loses
 * `self`). Member lists are kept as given; resolving them is the caller's job.
 */
export function validateLoadRoles(entries: unknown, opts: LoadRolesOptions = {}): LoadRolesResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const roles = new Map<string, RoleSpec>();
  for (const r of defaultRoles(opts.extraUserScopes)) roles.set(r.name, r);
  if (entries === undefined || entries === null) return { roles, errors, warnings };
  if (!Array.isArray(entries)) {
    errors.push(`JupyterHub.load_roles: expected a list of role objects, got ${typeof entries}`);
    return { roles, errors, warnings };
  }
  const seen = new Set<string>();
  entries.forEach((entry: unknown, i) => {
    const where = `JupyterHub.load_roles[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      errors.push(
        `${where}: expected an object with 'name' and 'scopes', got ${JSON.stringify(entry)}`,
      );
      return;
    }
    const e = entry as Record<string, unknown>;
    const nameErr = roleNameError(e.name);
    if (nameErr) {
      errors.push(`${where}: ${nameErr}`);
      return;
    }
    const name = e.name as string;
    const label = `role '${name}' (${where})`;
    if (seen.has(name)) {
      errors.push(`${label}: defined more than once; merge the entries into one`);
      return;
    }
    seen.add(name);
    for (const key of Object.keys(e)) {
      if (!['name', 'description', 'scopes', 'users', 'groups', 'services'].includes(key)) {
        errors.push(
          `${label}: unknown key '${key}'; expected name, description, scopes, users, groups, services`,
        );
      }
    }
    for (const key of ['scopes', 'users', 'groups', 'services'] as const) {
      if (e[key] !== undefined && !stringList(e[key])) {
        errors.push(`${label}: '${key}' must be a list of strings, got ${JSON.stringify(e[key])}`);
      }
    }
    if (e.description !== undefined && typeof e.description !== 'string') {
      errors.push(`${label}: 'description' must be a string`);
    }
    const base = roles.get(name);
    const scopes = stringList(e.scopes) ? [...new Set(e.scopes)] : undefined;
    for (const s of scopes ?? []) {
      const err = scopeError(s, opts.customScopes);
      if (err) errors.push(`${label}: ${err}`);
    }
    if (name === 'admin' && scopes !== undefined) {
      const same =
        scopes.length === ADMIN_ROLE_SCOPES.length &&
        ADMIN_ROLE_SCOPES.every((s) => scopes.includes(s));
      if (!same) {
        errors.push(
          `${label}: the scopes of the default 'admin' role cannot be redefined; remove 'scopes' from this entry (members may still be assigned), or define a new role with the scopes you want`,
        );
      }
    }
    if (name === 'user' && scopes !== undefined && !scopes.includes('self')) {
      warnings.push(
        `${label}: redefines the default 'user' role without 'self'; users lose access to their own servers and tokens unless another role grants it`,
      );
    }
    if (
      base &&
      ['user', 'server', 'token'].includes(name) &&
      scopes !== undefined &&
      name !== 'user'
    ) {
      warnings.push(`${label}: replaces the scopes of the default '${name}' role`);
    }
    const spec: RoleSpec = {
      name,
      description: typeof e.description === 'string' ? e.description : base?.description,
      scopes:
        name === 'admin'
          ? [...ADMIN_ROLE_SCOPES]
          : name === 'user' && scopes !== undefined
            ? [...new Set([...scopes, ...(opts.extraUserScopes ?? [])])] // extra_user_scopes apply to a redefined user role too
            : (scopes ?? base?.scopes ?? []),
    };
    if (stringList(e.users)) spec.users = e.users;
    if (stringList(e.groups)) spec.groups = e.groups;
    if (stringList(e.services)) spec.services = e.services;
    roles.set(name, spec);
  });
  return { roles, errors, warnings };
}

/** Union of the raw scopes of the named roles; names not in `rolesByName` are skipped. */
export function roleScopes(
  roleNames: Iterable<string>,
  rolesByName: ReadonlyMap<string, RoleSpec>,
): Set<string> {
  const out = new Set<string>();
  for (const n of roleNames) for (const s of rolesByName.get(n)?.scopes ?? []) out.add(s);
  return out;
}

/** What {@link effectiveScopesForUser} needs to know about a user. */
export interface UserRoleInput {
  name: string;
  admin: boolean;
  /** Roles assigned to the user directly (the `user` role is always added). */
  roleNames: Iterable<string>;
  /** Roles of the user's groups. */
  groupRoleNames?: Iterable<string>;
  /** Expanded scopes from shares granted to the user or its groups (e.g. `access:servers!server=bob/`). */
  shareScopes?: Iterable<string>;
}

/** The raw scopes of a user: `user` role (+ `admin` if admin) + own roles + group roles. */
export function rawScopesForUser(
  u: UserRoleInput,
  rolesByName: ReadonlyMap<string, RoleSpec>,
): Set<string> {
  const names = new Set<string>(['user', ...u.roleNames, ...(u.groupRoleNames ?? [])]);
  if (u.admin) names.add('admin');
  return roleScopes(names, rolesByName);
}

/** §5.4: a user's expanded scopes (roles, group roles, `self` resolved, shares added). */
export function effectiveScopesForUser(
  u: UserRoleInput,
  rolesByName: ReadonlyMap<string, RoleSpec>,
  customScopes?: CustomScopes,
  warnings?: string[],
): Set<string> {
  const raw = rawScopesForUser(u, rolesByName);
  raw.delete(INHERIT_SCOPE); // a role granting 'inherit' to an entity is meaningless
  const out = expandScopes(raw, { owner: { kind: 'user', name: u.name }, customScopes }, warnings);
  return reduceScopes([...out, ...(u.shareScopes ?? [])]);
}

/** What {@link effectiveScopesForService} needs to know about a service. */
export interface ServiceRoleInput {
  name: string;
  /** Deprecated `admin: true` on the service: grants the `admin` role. */
  admin?: boolean;
  roleNames: Iterable<string>;
}

/** A service's expanded scopes (its roles; `!service` resolved to itself; `self` grants nothing). */
export function effectiveScopesForService(
  s: ServiceRoleInput,
  rolesByName: ReadonlyMap<string, RoleSpec>,
  customScopes?: CustomScopes,
  warnings?: string[],
): Set<string> {
  const names = new Set<string>(s.roleNames);
  if (s.admin) names.add('admin');
  const raw = roleScopes(names, rolesByName);
  raw.delete(INHERIT_SCOPE);
  return expandScopes(raw, { owner: { kind: 'service', name: s.name }, customScopes }, warnings);
}

/** Input of {@link serverTokenScopes}. */
export interface ServerTokenInput {
  userName: string;
  /** Server name, '' for the default server. */
  serverName: string;
  /** `Spawner.server_token_scopes` (already evaluated if it was a callable); empty → `server` role. */
  configured?: readonly string[];
  /** The owner's raw role scopes (see {@link rawScopesForUser}). */
  ownerRawScopes: Iterable<string>;
  rolesByName: ReadonlyMap<string, RoleSpec>;
  customScopes?: CustomScopes;
}

/**
 * §1.4 step 2: raw scopes of a server's `JUPYTERHUB_API_TOKEN`. Starts from `configured` or the
 * `server` role; any scope ending in `!server` gets `=<user>/<server>`; adds
 * `users:activity!user` (with a warning) when none of `users:activity!user`, `users:activity`,
 * `inherit` is present; then keeps only what the owner's raw scopes (+ `inherit`) cover.
 */
export function serverTokenScopes(
  input: ServerTokenInput,
  groupsOfUser: GroupsOfUser,
): { scopes: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const base = input.configured?.length
    ? input.configured
    : (input.rolesByName.get('server')?.scopes ?? []);
  const full = `${input.userName}/${input.serverName}`;
  const scopes = new Set(base.map((s) => (s.endsWith('!server') ? `${s}=${full}` : s)));
  if (!['users:activity!user', 'users:activity', INHERIT_SCOPE].some((s) => scopes.has(s))) {
    warnings.push(
      `Server token scopes for ${full} lack 'users:activity!user'; adding it so the server can report activity`,
    );
    scopes.add('users:activity!user');
  }
  const ctx: ExpandContext = {
    owner: { kind: 'user', name: input.userName },
    oauthClientServer: full,
    customScopes: input.customScopes,
  };
  const { granted, denied } = resolveRequestedScopes(
    scopes,
    [...input.ownerRawScopes, INHERIT_SCOPE],
    ctx,
    groupsOfUser,
  );
  if (denied.length) {
    warnings.push(
      `Server token scopes for ${full} not held by user '${input.userName}' were dropped: ${denied.sort().join(', ')}`,
    );
  }
  return { scopes: [...granted].sort(), warnings };
}

/** Input of {@link tokenEffectiveScopes}. */
export interface TokenScopeInput {
  /** Raw scopes stored on the token. */
  rawScopes: Iterable<string>;
  owner: { kind: 'user' | 'service'; name: string };
  /** The owner's current expanded scopes. */
  ownerScopes: ReadonlySet<string>;
  /** Issuing OAuth client, absent for hub-issued API tokens (client id `jupyterhub`). */
  oauthClient?: { server?: string; service?: string };
  customScopes?: CustomScopes;
}

/**
 * §5.4 / §3.5: a token's scopes at use time. `inherit` ⇒ exactly the owner's scopes. Otherwise:
 * expand raw scopes (owner + issuing client resolve `!user`/`!server`/`!service`), add the
 * client's access scope (OAuth tokens) and the owner's identify scopes, then intersect with the
 * owner's current scopes, so a revoked role narrows every token at once.
 */
export function tokenEffectiveScopes(
  t: TokenScopeInput,
  groupsOfUser: GroupsOfUser,
  warnings?: string[],
): Set<string> {
  const raw = new Set(t.rawScopes);
  if (raw.has(INHERIT_SCOPE)) return new Set(t.ownerScopes);
  const expanded = expandScopes(
    raw,
    {
      owner: t.owner,
      oauthClientServer: t.oauthClient?.server,
      oauthClientService: t.oauthClient?.service,
      customScopes: t.customScopes,
    },
    warnings,
  );
  if (t.oauthClient) for (const s of accessScopesFor(t.oauthClient)) expanded.add(s);
  for (const s of identifyScopesFor(t.owner)) expanded.add(s);
  const token = reduceScopes(expanded);
  const result = intersectScopes(token, t.ownerScopes, groupsOfUser);
  const discarded = [...token].filter((s) => !result.has(s));
  if (discarded.length && warnings) {
    warnings.push(
      `Discarding token scopes not held by ${t.owner.kind} '${t.owner.name}': ${discarded.sort().join(', ')}`,
    );
  }
  return result;
}
