/**
 * The RBAC scope vocabulary (hub-protocol.md §5.2): every scope name the hub knows, what it
 * means, and which subscopes it implies. Pure data plus small lookups; no I/O.
 */
import { levenshtein as distance } from '../../util/edit-distance.js';

/** One entry of the vocabulary. */
export interface ScopeDefinition {
  /** Human-readable meaning (shown on the OAuth consent page and in error messages). */
  readonly description: string;
  /** Scopes granted transitively by holding this one. */
  readonly subscopes?: readonly string[];
}

/** Operator-defined scopes (`JupyterHub.custom_scopes`); names must start with `custom:`. */
export type CustomScopes = Readonly<Record<string, ScopeDefinition>>;

/** The resource kinds a filter may name (`<scope>!<kind>=<value>`). */
export type FilterKind = 'user' | 'server' | 'group' | 'service';
export const FILTER_KINDS: readonly FilterKind[] = ['user', 'server', 'group', 'service'];
/** Kinds that have an unexpanded self-referencing form (`!user`, `!server`, `!service`). */
export const SELF_FILTER_KINDS: readonly FilterKind[] = ['user', 'server', 'service'];

/** Metascope: the standard privileges of a user over itself. */
export const SELF_SCOPE = 'self';
/** Metascope: everything the token's owner currently holds. */
export const INHERIT_SCOPE = 'inherit';
/** Pseudo-scope: the credential may only identify its owner. */
export const NO_SCOPE = '(no_scope)';

/**
 * What `self` grants a user, before subscope expansion; each gets `!user=<name>` (§5.2, 6.0 list).
 */
export const SELF_SCOPE_LIST: readonly string[] = [
  'read:users',
  'users:shares',
  'read:shares',
  'users:activity',
  'servers',
  'tokens',
  'access:servers',
];

/** The built-in vocabulary, name → definition. */
export const SCOPE_DEFINITIONS: Readonly<Record<string, ScopeDefinition>> = {
  [NO_SCOPE]: { description: 'Identify the owner of the requesting entity.' },
  [SELF_SCOPE]: {
    description: 'Your own resources (metascope: expands to your standard user privileges).',
  },
  [INHERIT_SCOPE]: {
    description: 'Everything that the token-requesting entity can access (metascope).',
  },
  'admin-ui': { description: 'Access the admin page.' },
  'admin:users': {
    description:
      'Read, modify, create, and delete users and their authentication state, not including their servers or tokens.',
    subscopes: ['admin:auth_state', 'users', 'read:roles:users', 'delete:users'],
  },
  'admin:auth_state': { description: 'Read a user’s authentication state.' },
  users: {
    description:
      'Read and write permissions to user models (excluding servers, tokens and authentication state).',
    subscopes: ['read:users', 'list:users', 'users:activity'],
  },
  'delete:users': { description: 'Delete users.' },
  'list:users': {
    description: 'List users, including at least their names.',
    subscopes: ['read:users:name'],
  },
  'read:users': {
    description: 'Read user models (including the URL of the default server if it is running).',
    subscopes: ['read:users:name', 'read:users:groups', 'read:users:activity'],
  },
  'read:users:name': { description: 'Read names of users.' },
  'read:users:groups': { description: 'Read users’ group membership.' },
  'read:users:activity': { description: 'Read time of last user activity.' },
  'read:roles': {
    description: 'Read role assignments.',
    subscopes: ['read:roles:users', 'read:roles:services', 'read:roles:groups'],
  },
  'read:roles:users': { description: 'Read user role assignments.' },
  'read:roles:services': { description: 'Read service role assignments.' },
  'read:roles:groups': { description: 'Read group role assignments.' },
  'users:activity': {
    description: 'Update last activity time.',
    subscopes: ['read:users:activity'],
  },
  'admin:servers': {
    description: 'Read, start, stop, create and delete user servers and their state.',
    subscopes: ['admin:server_state', 'servers'],
  },
  'admin:server_state': { description: 'Read and write users’ server state.' },
  servers: {
    description: 'Start and stop user servers.',
    subscopes: ['read:servers', 'start:servers', 'delete:servers'],
  },
  'read:servers': {
    description: 'Read users’ names and their server models (excluding the server state).',
    subscopes: ['read:users:name'],
  },
  'start:servers': { description: 'Start, create and modify user servers.' },
  'delete:servers': { description: 'Stop and delete users’ servers.' },
  tokens: {
    description: 'Read, write, create and delete user tokens.',
    subscopes: ['read:tokens'],
  },
  'read:tokens': { description: 'Read user tokens.' },
  'admin:groups': {
    description: 'Read and write group information, create and delete groups.',
    subscopes: ['groups', 'read:roles:groups', 'delete:groups'],
  },
  groups: {
    description:
      'Read and write group information, including adding/removing any users to/from groups. Note: adding users to groups may affect permissions.',
    subscopes: ['read:groups', 'list:groups'],
  },
  'list:groups': {
    description: 'List groups, including at least their names.',
    subscopes: ['read:groups:name'],
  },
  'read:groups': { description: 'Read group models.', subscopes: ['read:groups:name'] },
  'read:groups:name': { description: 'Read group names.' },
  'delete:groups': { description: 'Delete groups.' },
  'admin:services': {
    description:
      'Create, read, update, delete services, not including services defined from config files.',
    subscopes: ['list:services', 'read:services', 'read:roles:services'],
  },
  'list:services': {
    description: 'List services, including at least their names.',
    subscopes: ['read:services:name'],
  },
  'read:services': { description: 'Read service models.', subscopes: ['read:services:name'] },
  'read:services:name': { description: 'Read service names.' },
  'read:hub': { description: 'Read detailed information about the Hub.' },
  'access:servers': { description: 'Access user servers via API or browser.' },
  'access:services': { description: 'Access services via API or browser.' },
  'users:shares': {
    description: 'Read and revoke a user’s access to shared servers.',
    subscopes: ['read:users:shares'],
  },
  'read:users:shares': { description: 'Read servers shared with a user.' },
  'groups:shares': {
    description: 'Read and revoke a group’s access to shared servers.',
    subscopes: ['read:groups:shares'],
  },
  'read:groups:shares': { description: 'Read servers shared with a group.' },
  'read:shares': { description: 'Read information about shared access to servers.' },
  shares: {
    description: 'Manage access to shared servers.',
    subscopes: ['access:servers', 'read:shares', 'users:shares', 'groups:shares'],
  },
  proxy: {
    description:
      'Read information about the proxy’s routing table, sync the Hub with the proxy and notify the Hub about a new proxy.',
  },
  shutdown: { description: 'Shutdown the hub.' },
  'read:metrics': { description: 'Read prometheus metrics.' },
};

/** Names that are accepted but are not real permissions (never appear in expanded sets). */
export const META_SCOPES: ReadonlySet<string> = new Set([SELF_SCOPE, INHERIT_SCOPE, NO_SCOPE]);

/** Custom scope names as JupyterHub allows them: `custom:` then lowercase words. */
const CUSTOM_SCOPE_RE = /^custom:[a-z0-9][a-z0-9_\-*:]+[a-z0-9_*]$/;

/** The definition of a base scope name (built-in or custom), or undefined. */
export function scopeDefinition(base: string, custom?: CustomScopes): ScopeDefinition | undefined {
  if (Object.hasOwn(SCOPE_DEFINITIONS, base)) return SCOPE_DEFINITIONS[base];
  if (custom && base.startsWith('custom:') && Object.hasOwn(custom, base)) return custom[base];
  return undefined;
}

/**
 * Validates `JupyterHub.custom_scopes`. Returns one message per problem (empty = valid):
 * names must match `custom:<lowercase…>`, need a description, and subscopes must be custom
 * scopes defined in the same table.
 */
export function validateCustomScopes(custom: CustomScopes): string[] {
  const errors: string[] = [];
  for (const [name, def] of Object.entries(custom)) {
    if (!CUSTOM_SCOPE_RE.test(name)) {
      errors.push(
        `custom scope '${name}': expected a name like 'custom:myapp:read' (prefix 'custom:', lowercase letters, digits, '_', '-', '*', ':'); rename it in JupyterHub.custom_scopes`,
      );
    }
    if (!def || typeof def.description !== 'string' || def.description === '') {
      errors.push(`custom scope '${name}': a non-empty 'description' is required`);
    }
    for (const sub of def?.subscopes ?? []) {
      if (!sub.startsWith('custom:') || !Object.hasOwn(custom, sub)) {
        errors.push(
          `custom scope '${name}': subscope '${sub}' must be another custom scope defined in JupyterHub.custom_scopes`,
        );
      }
    }
  }
  return errors;
}

/** All known base scope names (built-in, then custom), for did-you-mean suggestions. */
export function allScopeNames(custom?: CustomScopes): string[] {
  return [
    ...Object.keys(SCOPE_DEFINITIONS),
    ...Object.keys(custom ?? {}).filter((n) => n.startsWith('custom:')),
  ];
}

/** The closest known scope name to `name`, if reasonably close (for "did you mean" hints). */
export function suggestScope(name: string, custom?: CustomScopes): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const known of allScopeNames(custom)) {
    const d = distance(name, known);
    if (d < bestD) {
      bestD = d;
      best = known;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
