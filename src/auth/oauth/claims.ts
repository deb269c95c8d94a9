/**
 * Reading the user data a provider returned: the groups
 * (`auth_state_groups_key` / `claim_groups_key`), as OAuthenticator 17 reads them. Pure functions.
 */
import type { JsonObject } from '../../util/json.js';

/** The value at a dotted path (`realm_access.roles`), or undefined. A whole key wins over a path. */
export function atPath(obj: unknown, path: string): unknown {
  if (!path) return undefined;
  if (obj && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, path))
    return (obj as Record<string, unknown>)[path];
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (!v || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, part))
      return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * The groups: from the auth state at `authStateKey` (e.g. `oauth_user.groups`) when set, else
 * from the user data at `claimKey`. A string is one group; anything but strings is dropped.
 */
export function groupsFrom(
  authState: JsonObject,
  opts: { authStateKey: string; claimKey: string },
): string[] {
  const v = opts.authStateKey
    ? atPath(authState, opts.authStateKey)
    : atPath(authState.oauth_user, opts.claimKey);
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  return [...new Set(v.filter((g): g is string => typeof g === 'string' && g !== ''))];
}

/** The payload of a JWT, NOT verified (GenericOAuthenticator's userdata_from_id_token does the same). */
export function unverifiedJwtPayload(jwt: string): JsonObject | null {
  const part = jwt.split('.')[1];
  if (!part) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
  } catch {
    return null;
  }
}
