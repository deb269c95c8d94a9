/**
 * Scope logic (hub-protocol.md §5.2–§5.4): parsing and validating scope strings, expanding raw
 * scopes into the fully expanded form. Access decisions live in `scopes-access.ts` and the
 * vocabulary in `scopes-vocabulary.ts`; both are re-exported here, so import from this module.
 * Pure functions; group membership comes in as a callback so the database stays outside.
 *
 * Forms of a scope string:
 *   `read:users`                 unfiltered
 *   `read:users!user=alice`      filtered (kinds user, server=<user>/<server>, group, service)
 *   `read:users!user`            unexpanded self-reference (`!user`, `!server`, `!service`),
 *                                resolved by {@link expandScopes} against the owner / OAuth client
 */
import {
  type CustomScopes,
  type FilterKind,
  INHERIT_SCOPE,
  NO_SCOPE,
  SELF_SCOPE,
  SELF_SCOPE_LIST,
  scopeDefinition,
  suggestScope,
} from './scopes-vocabulary.js';

export * from './scopes-vocabulary.js';
export * from './scopes-access.js';
import { parseScope, reduceScopes } from './scopes-access.js';

/** Scopes that let a credential identify its own user (before `!user` expansion). */
export const IDENTIFY_SCOPES: readonly string[] = [
  'read:users:name!user',
  'read:users:groups!user',
];

/**
 * Why `scope` is not acceptable, or null if it is. Checks the base name (built-in or a
 * configured `custom:` scope), the filter kind, and the filter value (`server=` needs
 * `<user>/<server>`; values may not be empty). `all` gets the message that it is now `inherit`.
 */
export function scopeError(scope: string, custom?: CustomScopes): string | null {
  const bang = scope.indexOf('!');
  const base = bang < 0 ? scope : scope.slice(0, bang);
  if (base === 'all')
    return `Draft scope 'all' is now called 'inherit'; use 'inherit' instead of '${scope}'`;
  if (!scopeDefinition(base, custom)) {
    const hint = suggestScope(base, custom);
    const customHint = base.startsWith('custom:')
      ? ' (custom scopes must be defined in JupyterHub.custom_scopes)'
      : '';
    return `Scope '${scope}' does not exist${customHint}${hint ? `; did you mean '${hint}'?` : ''}`;
  }
  if (bang < 0) return null;
  const parsed = parseScope(scope);
  if (!parsed?.filter) {
    return `Scope filter '${scope.slice(bang)}' in scope '${scope}' does not exist; expected one of !user=<name>, !server=<user>/<server>, !group=<name>, !service=<name>, or !user, !server, !service`;
  }
  const { kind, value } = parsed.filter;
  if ((base === SELF_SCOPE || base === INHERIT_SCOPE || base === NO_SCOPE) && parsed.filter) {
    return `Scope '${scope}': the metascope '${base}' cannot be filtered; use '${base}' alone`;
  }
  if (value === undefined) return null;
  if (value === '') return `Scope '${scope}': the !${kind}= filter needs a name after '='`;
  if (kind === 'server' && !value.includes('/')) {
    return `Scope '${scope}': a server filter is '!server=<user>/<server>' (the default server is '${value}/'), got '${value}'`;
  }
  return null;
}

/** Whether `scope` is a valid scope string (unknown names, `all` and bad filters → false). */
export function isKnownScope(scope: string, custom?: CustomScopes): boolean {
  return scopeError(scope, custom) === null;
}

/** Who owns the scopes being expanded, and which OAuth client issued the token (if any). */
export interface ExpandContext {
  owner?: { kind: 'user' | 'service'; name: string };
  /** `<user>/<server>` of the issuing server's OAuth client; resolves `!server`. */
  oauthClientServer?: string;
  /** Name of the issuing service's OAuth client; resolves `!service` (wins over an owner service). */
  oauthClientService?: string;
  /** Configured custom scopes, for expanding their subscopes. */
  customScopes?: CustomScopes;
  /** The owner's current expanded scopes; when given, `inherit` expands to them. */
  ownerScopes?: ReadonlySet<string>;
}

/** The base scope and all its subscopes, transitively (cycle-safe). */
export function impliedScopes(base: string, custom?: CustomScopes): Set<string> {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const sub of scopeDefinition(name, custom)?.subscopes ?? []) visit(sub);
  };
  visit(base);
  return out;
}

/**
 * Expands raw scopes (from roles, token rows, OAuth requests) into the expanded form used for
 * access checks:
 * 1. every scope brings its subscopes transitively, each with the same filter — except that a
 *    `!server…` filter never applies to `read:users*` scopes (so `read:servers!server=a/` does not
 *    imply `read:users:name!server=a/`);
 * 2. `!user` → owner user, `!server` → `ctx.oauthClientServer`, `!service` →
 *    `ctx.oauthClientService` or owner service; unresolvable ones are dropped with a warning;
 * 3. `self` → {@link SELF_SCOPE_LIST} with `!user=<owner>` (nothing, with a warning, for services);
 *    `inherit` → `ctx.ownerScopes` when given, otherwise kept as the literal `inherit`;
 *    `(no_scope)` → nothing;
 * 4. the result is reduced (an unfiltered scope absorbs its filtered forms).
 * Unknown scopes are dropped with a warning (config is validated at boot; this protects against
 * stale database rows).
 *
 * @param warnings receives one human-readable message per dropped scope
 */
export function expandScopes(
  raw: Iterable<string>,
  ctx: ExpandContext = {},
  warnings?: string[],
): Set<string> {
  const out = new Set<string>();
  const warn = (m: string): void => {
    warnings?.push(m);
  };
  const owner = ctx.owner;
  const replacement: Partial<Record<FilterKind, string>> = {};
  if (owner?.kind === 'user') replacement.user = `user=${owner.name}`;
  if (owner?.kind === 'service') replacement.service = `service=${owner.name}`;
  if (ctx.oauthClientService !== undefined)
    replacement.service = `service=${ctx.oauthClientService}`;
  if (ctx.oauthClientServer !== undefined) replacement.server = `server=${ctx.oauthClientServer}`;

  for (const scope of raw) {
    if (scope === SELF_SCOPE) {
      if (owner?.kind === 'user') {
        for (const s of SELF_SCOPE_LIST)
          expandOne(`${s}!user=${owner.name}`, ctx.customScopes, out);
      } else {
        warn(
          `Not expanding 'self' for ${owner ? `service '${owner.name}'` : 'an owner that is not a user'}: only users have 'self'`,
        );
      }
      continue;
    }
    if (scope === INHERIT_SCOPE) {
      if (ctx.ownerScopes) for (const s of ctx.ownerScopes) out.add(s);
      else out.add(INHERIT_SCOPE);
      continue;
    }
    if (scope === NO_SCOPE) continue;
    const err = scopeError(scope, ctx.customScopes);
    if (err) {
      warn(`Ignoring scope: ${err}`);
      continue;
    }
    const parsed = parseScope(scope)!;
    let concrete = scope;
    if (parsed.filter && parsed.filter.value === undefined) {
      const rep = replacement[parsed.filter.kind];
      if (!rep) {
        warn(
          `Not expanding !${parsed.filter.kind} filter without a target ${parsed.filter.kind} in '${scope}'; scope dropped`,
        );
        continue;
      }
      concrete = `${parsed.base}!${rep}`;
    }
    expandOne(concrete, ctx.customScopes, out);
  }
  return reduceScopes(out);
}

/** Adds `scope` (concrete filter or none) and its subscopes to `out`. */
function expandOne(scope: string, custom: CustomScopes | undefined, out: Set<string>): void {
  const bang = scope.indexOf('!');
  const base = bang < 0 ? scope : scope.slice(0, bang);
  const filter = bang < 0 ? '' : scope.slice(bang);
  const serverFilter = filter.startsWith('!server');
  for (const name of impliedScopes(base, custom)) {
    if (serverFilter && name.startsWith('read:users')) continue;
    out.add(name + filter);
  }
}

/** Expanded identify scopes of an owner: users read their name and groups, services their name. */
export function identifyScopesFor(owner: { kind: 'user' | 'service'; name: string }): Set<string> {
  return owner.kind === 'user'
    ? new Set([`read:users:name!user=${owner.name}`, `read:users:groups!user=${owner.name}`])
    : new Set([`read:services:name!service=${owner.name}`]);
}

/**
 * The scope needed to use an OAuth client's resource: `access:servers!server=<user>/<server>`
 * for a server client, `access:services!service=<name>` for a service client, nothing for the
 * hub's own client.
 */
export function accessScopesFor(client: { server?: string; service?: string }): Set<string> {
  if (client.server !== undefined) return new Set([`access:servers!server=${client.server}`]);
  if (client.service !== undefined) return new Set([`access:services!service=${client.service}`]);
  return new Set();
}
