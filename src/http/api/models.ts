import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import type { ListedServer, ListedUser, ServerRecord, User } from '../../db/index.js';
import { pyQuote } from '../../util/py-quote.js';

/**
 * Timestamps already formatted, by epoch milliseconds: a listing shows the same `created` and
 * `last_activity` values request after request, and `toISOString` was a measurable part of a
 * 200-user page. Bounded: emptied when full.
 */
const formatted = new Map<number, string>();
const FORMATTED_MAX = 8192;

/** Stored timestamps (ISO text) already formatted: as {@link formatted}, keyed by the text. */
const formattedText = new Map<string, string | null>();

/**
 * JupyterHub's timestamp form: UTC ISO-8601 with Z; null when unknown. A string is a stored
 * timestamp (what `new Date` reads).
 */
export function ts(d: Date | string | null | undefined): string | null {
  if (!d) return null;
  if (typeof d === 'string') {
    let out = formattedText.get(d);
    if (out !== undefined) return out;
    out = ts(new Date(d));
    if (formattedText.size >= FORMATTED_MAX) formattedText.clear();
    formattedText.set(d, out);
    return out;
  }
  const ms = d.getTime();
  let out = formatted.get(ms);
  if (out !== undefined) return out;
  // Microseconds like Python's isoformat: `…T03:04:05.123Z` → `…T03:04:05.123000Z`.
  const iso = d.toISOString();
  out = iso.charAt(iso.length - 5) === '.' ? `${iso.slice(0, -1)}000Z` : iso;
  if (formatted.size >= FORMATTED_MAX) formatted.clear();
  formatted.set(ms, out);
  return out;
}

/** The Server model (§4.3) in wire shape. */
export function serverModel(
  ctx: HubContext,
  userName: string,
  rec: ServerRecord | ListedServer,
): JsonObject {
  const prefix = ctx.spawns.prefix(userName, rec.name);
  const pending = ctx.spawns.pendingOf(rec);
  const api = `${ctx.settings.hubPrefix}api/users/${pyQuote(userName, '@~')}`;
  return {
    name: rec.name,
    display_name: rec.displayName ?? rec.name,
    full_name: `${userName}/${rec.name}`,
    ready: rec.status === 'running',
    pending,
    stopped: rec.status === 'stopped',
    url: prefix,
    user_options: rec.userOptions,
    progress_url: rec.name
      ? `${api}/servers/${pyQuote(rec.name, '@~')}/progress`
      : `${api}/server/progress`,
    full_url: ctx.settings.publicUrl ? new URL(prefix, ctx.settings.publicUrl).toString() : null,
    full_progress_url: null,
    started: ts(rec.started),
    last_activity: ts(rec.lastActivity),
    state: rec.state,
  };
}

/** What a User model shows besides the user row: servers, group names and role names. */
export interface UserModelParts {
  servers: Array<ServerRecord | ListedServer>;
  groups: string[];
  roles: string[];
  includeStopped?: boolean;
}

/**
 * The full User model before vertical filtering, from parts already read (a listing reads them
 * for the whole page at once). A {@link ListedUser} (a listing's row) has no `auth_state` key:
 * listings never show it.
 */
export function userModelOf(
  ctx: HubContext,
  user: User | ListedUser,
  parts: UserModelParts,
): JsonObject {
  const { servers } = parts;
  const def = servers.find((s) => s.name === '');
  const serverMap: JsonObject = {};
  for (const s of servers)
    if (s.status !== 'stopped' || parts.includeStopped)
      serverMap[s.name] = serverModel(ctx, user.name, s);
  const model: JsonObject = {
    kind: 'user',
    name: user.name,
    admin: user.admin,
    roles: parts.roles,
    groups: parts.groups,
    server: def && def.status === 'running' ? ctx.spawns.prefix(user.name, '') : null,
    pending: ctx.spawns.pendingOf(def ?? null),
    created: ts(user.created),
    last_activity: ts(user.lastActivity),
    servers: serverMap,
    user_info: null,
  };
  if ('authState' in user) model.auth_state = (user.authState ?? null) as JsonObject | null;
  return model;
}

/** The full User model before vertical filtering; what `opts` does not give is read. */
export async function userModel(
  ctx: HubContext,
  user: User | ListedUser,
  opts: Partial<UserModelParts> = {},
): Promise<JsonObject> {
  return userModelOf(ctx, user, {
    servers: opts.servers ?? (await ctx.store.servers.forUser(user.id)),
    groups: opts.groups ?? (await ctx.store.groups.groupNamesOfUser(user.id)),
    roles: opts.roles ?? (await ctx.permissions.userRoleNames(user)),
    includeStopped: opts.includeStopped,
  });
}
