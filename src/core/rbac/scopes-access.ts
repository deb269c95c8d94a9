/**
 * Scope sets and access decisions (hub-protocol.md §5.3–§5.4): parsing scope strings, indexing
 * expanded scopes by base, deciding access with the user/server/group filter hierarchy,
 * intersection and subset with filter semantics. Pure; group membership is a callback.
 * Re-exported by `scopes.ts`; import from there.
 */
import { type FilterKind, FILTER_KINDS, NO_SCOPE, SELF_FILTER_KINDS } from './scopes-vocabulary.js';

/** A scope string split into its parts. `filter.value` undefined = unexpanded self-reference. */
export interface ParsedScope {
  base: string;
  filter?: { kind: FilterKind; value?: string };
}

/** Group membership lookup, e.g. backed by the database. Must return [] for unknown users. */
export type GroupsOfUser = (user: string) => readonly string[];

/**
 * Splits a scope string. Does not check the base name against the vocabulary (see
 * {@link scopeError}). Returns null when the string is not of the form `<base>[!<kind>[=<value>]]`
 * with a known filter kind.
 */
export function parseScope(scope: string): ParsedScope | null {
  const bang = scope.indexOf('!');
  if (bang < 0) return scope ? { base: scope } : null;
  const base = scope.slice(0, bang);
  const filter = scope.slice(bang + 1);
  const eq = filter.indexOf('=');
  const kind = (eq < 0 ? filter : filter.slice(0, eq)) as FilterKind;
  if (!base || !FILTER_KINDS.includes(kind)) return null;
  if (eq < 0) return SELF_FILTER_KINDS.includes(kind) ? { base, filter: { kind } } : null;
  return { base, filter: { kind, value: filter.slice(eq + 1) } };
}

/** Filters held for one base scope: `'all'` (unfiltered) or entity names per kind. */
export type ScopeFilters = 'all' | Partial<Record<FilterKind, Set<string>>>;
/** Expanded scopes indexed by base name. */
export type ParsedScopeSet = Map<string, ScopeFilters>;

/** Indexes expanded scopes by base; unexpanded self-references (`!user`) are ignored. */
export function parseScopeSet(scopes: Iterable<string>): ParsedScopeSet {
  const out: ParsedScopeSet = new Map();
  for (const scope of scopes) {
    const p = parseScope(scope);
    if (!p) continue;
    if (!p.filter) {
      out.set(p.base, 'all');
      continue;
    }
    if (p.filter.value === undefined) continue;
    let f = out.get(p.base);
    if (f === 'all') continue;
    if (!f) out.set(p.base, (f = {}));
    (f[p.filter.kind] ??= new Set()).add(p.filter.value);
  }
  return out;
}

/** The inverse of {@link parseScopeSet}. */
export function unparseScopeSet(parsed: ParsedScopeSet): Set<string> {
  const out = new Set<string>();
  for (const [base, f] of parsed) {
    if (f === 'all') out.add(base);
    else
      for (const kind of FILTER_KINDS)
        for (const v of f[kind] ?? []) out.add(`${base}!${kind}=${v}`);
  }
  return out;
}

/** Collapses overlaps: an unfiltered scope absorbs every filtered form of the same base. */
export function reduceScopes(scopes: Iterable<string>): Set<string> {
  return unparseScopeSet(parseScopeSet(scopes));
}

/** How a base scope is held: 'all', the filters, or null when not held at all (for list queries). */
export function filtersFor(
  held: ReadonlySet<string> | ParsedScopeSet,
  base: string,
): ScopeFilters | null {
  const parsed = held instanceof Map ? held : parseScopeSet(held);
  return parsed.get(base) ?? null;
}

/** The resource an action targets. The most specific field decides: server > user > group > service. */
export interface ScopeResource {
  user?: string;
  /** `<user>/<server name>`; the default server is `alice/`. */
  server?: string;
  group?: string;
  service?: string;
}

/** Memoizes a group lookup for the duration of one decision. */
function memoGroups(groupsOfUser: GroupsOfUser): GroupsOfUser {
  const cache = new Map<string, readonly string[]>();
  return (u) => {
    let g = cache.get(u);
    if (!g) cache.set(u, (g = groupsOfUser(u)));
    return g;
  };
}

/** One entity a filter can name. */
type Entity = { kind: FilterKind; value: string };

/** Whether filter set `f` covers entity `e`, following the user/server/group hierarchy of §5.3. */
function covers(f: ScopeFilters, e: Entity, groupsOf: GroupsOfUser): boolean {
  if (f === 'all') return true;
  if (f[e.kind]?.has(e.value)) return true;
  let user: string | undefined;
  if (e.kind === 'server') {
    user = e.value.slice(0, e.value.indexOf('/') < 0 ? undefined : e.value.indexOf('/'));
    if (f.user?.has(user)) return true;
  } else if (e.kind === 'user') {
    user = e.value;
  }
  if (user !== undefined && f.group?.size) {
    for (const g of groupsOf(user)) if (f.group.has(g)) return true;
  }
  return false;
}

/** The entity a resource denotes (most specific field), or null for "no particular resource". */
function resourceEntity(r: ScopeResource): Entity | null {
  if (r.server !== undefined) return { kind: 'server', value: r.server };
  if (r.user !== undefined) return { kind: 'user', value: r.user };
  if (r.group !== undefined) return { kind: 'group', value: r.group };
  if (r.service !== undefined) return { kind: 'service', value: r.service };
  return null;
}

/**
 * Decides whether held (expanded) scopes allow an action needing any one of `anyOf` on
 * `resource`:
 * - `'granted'`: some scope in `anyOf` is held unfiltered, or filtered with a filter covering the
 *   resource (server ⊂ user ⊂ group); with an empty resource, any filtered form grants and the
 *   caller must filter rows itself (list endpoints); `(no_scope)` in `anyOf` always grants;
 * - `'filtered'`: some scope is held, but no filter covers the resource → answer 404
 *   "No access to resources or resources not found";
 * - `'missing'`: none of the scopes is held in any form → 403 with {@link describeMissing}.
 * Unlike JupyterHub (which stops at the first filtered-but-not-matching scope) every alternative
 * is tried, so the result never depends on the order of `anyOf`.
 */
export function checkAccess(
  held: ReadonlySet<string> | ParsedScopeSet,
  anyOf: readonly string[],
  resource: ScopeResource,
  groupsOfUser: GroupsOfUser,
): 'granted' | 'filtered' | 'missing' {
  const parsed = held instanceof Map ? held : parseScopeSet(held);
  const entity = resourceEntity(resource);
  // Made only when a filter has to be checked (most decisions are unfiltered scopes).
  let groupsOf: GroupsOfUser | undefined;
  let heldSome = false;
  for (const scope of anyOf) {
    if (scope === NO_SCOPE) return 'granted';
    const f = parsed.get(scope);
    if (!f) continue;
    heldSome = true;
    if (f === 'all' || entity === null) return 'granted';
    if (covers(f, entity, (groupsOf ??= memoGroups(groupsOfUser)))) return 'granted';
  }
  return heldSome ? 'filtered' : 'missing';
}

/**
 * {@link checkAccess} that loads group membership only when a decision needs it: a held scope
 * filtered by group, and no unfiltered or user/server filter that grants first (most requests,
 * e.g. an admin's or a user's own). Groups only widen what a filter covers, so a decision granted
 * without them stands; otherwise it is made again with them.
 */
export async function checkAccessLoadingGroups(
  held: ReadonlySet<string> | ParsedScopeSet,
  anyOf: readonly string[],
  resource: ScopeResource,
  loadGroups: () => Promise<GroupsOfUser>,
): Promise<'granted' | 'filtered' | 'missing'> {
  let asked = false;
  const verdict = checkAccess(held, anyOf, resource, () => {
    asked = true;
    return [];
  });
  if (verdict === 'granted' || !asked) return verdict;
  return checkAccess(held, anyOf, resource, await loadGroups());
}

/** JupyterHub's 403 text for a missing scope. */
export function describeMissing(anyOf: readonly string[]): string {
  return `Action is not authorized with current scopes; requires any of [${anyOf.join(', ')}]`;
}

/**
 * Intersection of two expanded scope sets with filter semantics: per base scope, unfiltered ∩ X =
 * X; otherwise an entity filter from either side survives when the other side covers it
 * (`access:servers!server=alice/` ∩ `access:servers!user=alice` = `access:servers!server=alice/`;
 * `x!user=alice` ∩ `x!group=g` = `x!user=alice` when alice ∈ g). Result is reduced.
 */
export function intersectScopes(
  a: Iterable<string>,
  b: Iterable<string>,
  groupsOfUser: GroupsOfUser,
): Set<string> {
  const pa = parseScopeSet(a);
  const pb = parseScopeSet(b);
  const groupsOf = memoGroups(groupsOfUser);
  const out: ParsedScopeSet = new Map();
  for (const [base, fa] of pa) {
    const fb = pb.get(base);
    if (!fb) continue;
    if (fa === 'all') {
      out.set(base, cloneFilters(fb));
      continue;
    }
    if (fb === 'all') {
      out.set(base, cloneFilters(fa));
      continue;
    }
    const merged: Partial<Record<FilterKind, Set<string>>> = {};
    for (const [x, y] of [
      [fa, fb],
      [fb, fa],
    ] as const) {
      for (const kind of FILTER_KINDS) {
        for (const value of x[kind] ?? []) {
          if (covers(y, { kind, value }, groupsOf)) (merged[kind] ??= new Set()).add(value);
        }
      }
    }
    if (Object.keys(merged).length) out.set(base, merged);
  }
  return unparseScopeSet(out);
}

function cloneFilters(f: ScopeFilters): ScopeFilters {
  if (f === 'all') return 'all';
  const c: Partial<Record<FilterKind, Set<string>>> = {};
  for (const k of FILTER_KINDS) if (f[k]) c[k] = new Set(f[k]);
  return c;
}

/**
 * The expanded scopes of `requested` that `held` does not cover (empty = requested ⊆ held), for
 * "Not assigning requested scopes … not held by …" messages. Both sets must be expanded.
 */
export function scopesSubset(
  requested: Iterable<string>,
  held: ReadonlySet<string> | ParsedScopeSet,
  groupsOfUser: GroupsOfUser,
): string[] {
  const parsed = held instanceof Map ? held : parseScopeSet(held);
  const groupsOf = memoGroups(groupsOfUser);
  const missing: string[] = [];
  for (const scope of requested) {
    const p = parseScope(scope);
    const f = p ? parsed.get(p.base) : undefined;
    if (!p || !f) {
      missing.push(scope);
      continue;
    }
    if (f === 'all') continue;
    if (!p.filter || p.filter.value === undefined) {
      missing.push(scope);
      continue;
    }
    if (!covers(f, { kind: p.filter.kind, value: p.filter.value }, groupsOf)) missing.push(scope);
  }
  return missing.sort();
}

/**
 * May the caller grant, revoke or change the `admin` flag of a user (CVE-2024-41942)?
 * Rule: the caller is an admin user (its `admin` flag is set) **and** its current credential holds
 * unfiltered `admin:users`. Holding `admin:users` through a custom role is not enough (that was
 * the escalation), and an admin's token narrowed below `admin:users` is not enough either.
 */
export function mayModifyAdmin(callerScopes: ReadonlySet<string>, callerIsAdmin: boolean): boolean {
  return callerIsAdmin && callerScopes.has('admin:users');
}
