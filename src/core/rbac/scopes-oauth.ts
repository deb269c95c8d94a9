/**
 * Scope decisions of the OAuth provider (hub-protocol.md §3.2 steps 3 and 5) and the shared
 * "grant what is requested, as far as the grantor holds it" resolution also used for server
 * tokens (§1.4 step 2). Pure; no I/O.
 */
import {
  type CustomScopes,
  type ExpandContext,
  type GroupsOfUser,
  IDENTIFY_SCOPES,
  INHERIT_SCOPE,
  expandScopes,
  intersectScopes,
  isKnownScope,
  scopeError,
} from './scopes.js';

/** Result of {@link resolveRequestedScopes}. */
export interface ResolvedScopes {
  /** Raw scopes granted: requested ones fully covered, plus covered expanded parts of others. */
  granted: Set<string>;
  /** Requested raw scopes not (fully) granted. */
  denied: string[];
}

/**
 * Grants raw `requested` scopes as far as raw `have` scopes allow. Exact matches pass; every
 * other requested scope is expanded (with `ctx`) and compared with filter semantics: fully covered
 * → granted as written (so a requested `…!server` stays abbreviated when `…!user` is held);
 * partly covered → the covered expanded scopes are granted and the scope is reported as denied;
 * not covered → denied.
 */
export function resolveRequestedScopes(
  requested: Iterable<string>,
  have: Iterable<string>,
  ctx: ExpandContext,
  groupsOfUser: GroupsOfUser,
): ResolvedScopes {
  const haveSet = new Set(have);
  const granted = new Set<string>();
  const pending: string[] = [];
  for (const s of new Set(requested)) {
    if (haveSet.has(s)) granted.add(s);
    else pending.push(s);
  }
  const denied: string[] = [];
  if (!pending.length) return { granted, denied };
  const expandedHave = expandScopes(haveSet, ctx);
  for (const scope of pending) {
    const expandedGranted = expandScopes(granted, ctx);
    const wanted = [...expandScopes([scope], ctx)].filter((s) => !expandedGranted.has(s));
    const got = wanted.length
      ? intersectScopes(wanted, expandedHave, groupsOfUser)
      : new Set<string>();
    const fully = wanted.length > 0 && wanted.every((s) => got.has(s));
    if (fully) {
      granted.add(scope);
      continue;
    }
    for (const s of got) granted.add(s);
    denied.push(scope);
  }
  return { granted, denied };
}

/** Input of {@link oauthRequestedScopes}. */
export interface OAuthRequestInput {
  /** The `scope` query parameter (space-separated), or undefined/empty when absent. */
  scopeParam?: string;
  /** The client's `allowed_scopes` (raw). */
  clientAllowed: readonly string[];
  /** The client's access scope(s), from `accessScopesFor`. */
  accessScopes: Iterable<string>;
  /** Looks up a role's raw scopes by name (requested names that are not scopes may be roles). */
  roleScopes?: (roleName: string) => readonly string[] | undefined;
  customScopes?: CustomScopes;
}

/** Result of {@link oauthRequestedScopes}: the scopes to grant from, or an OAuth error. */
export type OAuthRequestResult =
  { ok: true; scopes: Set<string> } | { ok: false; error: 'invalid_scope'; description: string };

/**
 * §3.2 step 3: what an authorize request asks for. Without `scope`: the client's allowed scopes
 * plus identify and access scopes (when allowed holds `inherit`, just the allowed scopes). With
 * `scope`: `identify` is dropped (legacy), role names become their scopes, unknown names are
 * `invalid_scope`, and requested ∪ required must lie within allowed ∪ required (exact strings).
 */
export function oauthRequestedScopes(input: OAuthRequestInput): OAuthRequestResult {
  const required = new Set<string>([...IDENTIFY_SCOPES, ...input.accessScopes]);
  const allowed = new Set<string>([...input.clientAllowed, ...required]);
  const words = (input.scopeParam ?? '').split(/\s+/).filter((w) => w && w !== 'identify');
  if (!words.length) {
    if (input.clientAllowed.includes(INHERIT_SCOPE))
      return { ok: true, scopes: new Set(input.clientAllowed) };
    return { ok: true, scopes: allowed };
  }
  const requested = new Set<string>();
  for (const w of words) {
    if (isKnownScope(w, input.customScopes)) {
      requested.add(w);
      continue;
    }
    const fromRole = input.roleScopes?.(w);
    if (fromRole) {
      for (const s of fromRole) requested.add(s);
      continue;
    }
    return {
      ok: false,
      error: 'invalid_scope',
      description: scopeError(w, input.customScopes) ?? `Unknown scope '${w}'`,
    };
  }
  const outside = [...requested].filter((s) => !allowed.has(s));
  if (outside.length) {
    return {
      ok: false,
      error: 'invalid_scope',
      description: `Scopes not allowed for this client: ${outside.sort().join(', ')}; allowed: ${[...allowed].sort().join(', ')}`,
    };
  }
  for (const s of required) requested.add(s);
  return { ok: true, scopes: requested };
}

/** Input of {@link oauthGrantedScopes}. */
export interface OAuthGrantInput {
  /** Output of {@link oauthRequestedScopes}. */
  requested: Iterable<string>;
  /** The user's raw role scopes (own roles + group roles; shares as expanded scopes are fine). */
  userRawScopes: Iterable<string>;
  userName: string;
  /** The client: its server (`alice/`), or its service name. */
  client: { server?: string; service?: string };
  /** The client's access scope(s). */
  accessScopes: Iterable<string>;
  customScopes?: CustomScopes;
}

/**
 * §3.2 step 5: granted = requested ∩ (user's raw scopes ∪ {inherit} ∪ identify ∪ access), with
 * filter semantics (a requested `…!server` is satisfied by a held `…!user`). Returns raw scopes to
 * store on the code/token, and the requested ones that were not granted.
 */
export function oauthGrantedScopes(
  input: OAuthGrantInput,
  groupsOfUser: GroupsOfUser,
): ResolvedScopes {
  const have = new Set<string>([
    ...input.userRawScopes,
    INHERIT_SCOPE,
    ...IDENTIFY_SCOPES,
    ...input.accessScopes,
  ]);
  const ctx: ExpandContext = {
    owner: { kind: 'user', name: input.userName },
    oauthClientServer: input.client.server,
    oauthClientService: input.client.service,
    customScopes: input.customScopes,
  };
  return resolveRequestedScopes(input.requested, have, ctx, groupsOfUser);
}
