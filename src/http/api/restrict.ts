import type { Principal } from '../../core/rbac/permissions.js';
import { checkAccess, filtersFor } from '../../core/rbac/scopes.js';
import type { ListRestriction } from '../../db/index.js';
import { HubError } from '../../errors.js';
import type { HubContext } from '../../core/context.js';

/**
 * Rows a (possibly filtered) `list:users` scope lets the caller see, for the SQL query
 * (undefined = all users). `!server=` filters cannot select users → 403, as in JupyterHub.
 */
export function userListRestriction(p: Principal): ListRestriction | undefined {
  const f = filtersFor(p.scopes, 'list:users');
  if (!f || f === 'all') return undefined;
  if (f.server?.size)
    throw new HubError(
      'LABHUB_ERR_FORBIDDEN',
      403,
      `list:users cannot be filtered by server (held: ${[...f.server].map((s) => `list:users!server=${s}`).join(', ')}); use !user= or !group= filters`,
    );
  return { users: [...(f.user ?? [])], groups: [...(f.group ?? [])] };
}

/** Group names a filtered `list:groups` scope covers (undefined = all groups). */
export function groupListRestriction(p: Principal): string[] | undefined {
  const f = filtersFor(p.scopes, 'list:groups');
  if (!f || f === 'all') return undefined;
  return [...(f.group ?? [])];
}

/**
 * Requires `anyOf` to cover each of `users` (checked one by one, against their current groups).
 * Used where a body names users: a caller holding a filtered scope (`groups!group=x`,
 * `admin:users!group=x`) may only act on users its filter covers (GHSA-69wv-m5fw-2fhp).
 */
export async function requireEachUser(
  ctx: HubContext,
  p: Principal,
  anyOf: string[],
  users: string[],
  action: string,
): Promise<void> {
  const groupsOf = await ctx.permissions.groupsOf(users);
  const denied = users.filter(
    (u) => checkAccess(p.scopes, anyOf, { user: u }, groupsOf) !== 'granted',
  );
  if (denied.length) {
    throw new HubError(
      'LABHUB_ERR_FORBIDDEN',
      403,
      `Not allowed to ${action} ${denied.slice(0, 5).join(', ')}${denied.length > 5 ? ', …' : ''}: your scopes (${anyOf.join(' or ')}) do not cover ${denied.length === 1 ? 'this user' : 'these users'}`,
    );
  }
}

/** Whether `scope` is held with no filter. */
export function holdsUnfiltered(p: Principal, scope: string): boolean {
  return filtersFor(p.scopes, scope) === 'all';
}
