/**
 * Vertical filtering of API models (hub-protocol.md §4.3): which keys of a User, Server, Group,
 * Service or Token model the caller's expanded scopes reveal. Works on plain JSON objects in
 * JupyterHub's wire shape (snake_case). Keys not listed for a model are dropped. Each function
 * returns null when no scope reveals the resource at all (the caller then omits it or answers 404).
 */
import type { JsonObject, JsonValue } from '../../util/json.js';
import {
  type GroupsOfUser,
  type ParsedScopeSet,
  type ScopeResource,
  checkAccess,
  parseScopeSet,
} from './scopes.js';

type Held = ReadonlySet<string> | ParsedScopeSet;

/** Key → scopes that reveal it (any one suffices), per model. `kind`/`name` follow any of them. */
export const USER_MODEL_KEYS: Readonly<Record<string, readonly string[]>> = {
  admin: ['read:users', 'read:users:name', 'read:roles:users'],
  user_info: ['read:users', 'read:users:name'],
  roles: ['read:users', 'read:roles:users'],
  groups: ['read:users', 'read:users:groups'],
  server: ['read:users'],
  pending: ['read:users'],
  created: ['read:users'],
  last_activity: ['read:users', 'read:users:activity'],
  auth_state: ['admin:auth_state'],
};
export const GROUP_MODEL_KEYS: Readonly<Record<string, readonly string[]>> = {
  properties: ['read:groups'],
  users: ['read:groups'],
  roles: ['read:roles:groups'],
};
export const SERVICE_MODEL_KEYS: Readonly<Record<string, readonly string[]>> = {
  admin: ['read:services', 'read:services:name', 'read:roles:services'],
  roles: ['read:roles:services'],
  url: ['read:services'],
  prefix: ['read:services'],
  command: ['read:services'],
  pid: ['read:services'],
  info: ['read:services'],
  display: ['read:services'],
};
/** Server model keys shown with `read:servers`; `state` additionally needs `admin:server_state`. */
export const SERVER_MODEL_KEYS: readonly string[] = [
  'name',
  'display_name',
  'full_name',
  'ready',
  'pending',
  'stopped',
  'url',
  'progress_url',
  'full_url',
  'full_progress_url',
  'started',
  'last_activity',
  'user_options',
];

const USER_BASE_SCOPES = [
  'read:users',
  'read:users:name',
  'read:users:groups',
  'read:users:activity',
  'read:roles:users',
  'admin:auth_state',
  'read:servers',
];

function revealing(
  parsed: ParsedScopeSet,
  scopes: readonly string[],
  resource: ScopeResource,
  groupsOf: GroupsOfUser,
): boolean {
  return checkAccess(parsed, scopes, resource, groupsOf) === 'granted';
}

function pick(
  model: JsonObject,
  table: Readonly<Record<string, readonly string[]>>,
  kind: string,
  parsed: ParsedScopeSet,
  resource: ScopeResource,
  groupsOf: GroupsOfUser,
): JsonObject {
  const out: JsonObject = { kind, name: model.name ?? null };
  for (const [key, scopes] of Object.entries(table)) {
    if (key in model && revealing(parsed, scopes, resource, groupsOf)) out[key] = model[key]!;
  }
  return out;
}

/**
 * Filters one server model of user `userName`: null unless `read:servers` covers
 * `<user>/<server name>`; `state` only with `admin:server_state` covering it.
 */
export function filterServerModel(
  model: JsonObject,
  userName: string,
  scopes: Held,
  groupsOf: GroupsOfUser,
): JsonObject | null {
  const parsed = scopes instanceof Map ? scopes : parseScopeSet(scopes);
  const resource = { server: `${userName}/${typeof model.name === 'string' ? model.name : ''}` };
  if (!revealing(parsed, ['read:servers'], resource, groupsOf)) return null;
  const out: JsonObject = {};
  for (const key of SERVER_MODEL_KEYS) if (key in model) out[key] = model[key]!;
  if ('state' in model && revealing(parsed, ['admin:server_state'], resource, groupsOf))
    out.state = model.state!;
  return out;
}

/** Whether some `read:servers` form could reveal a server of `userName` (decides `servers: {}`). */
function mayReadSomeServer(
  parsed: ParsedScopeSet,
  userName: string,
  groupsOf: GroupsOfUser,
): boolean {
  if (revealing(parsed, ['read:servers'], { user: userName }, groupsOf)) return true;
  const f = parsed.get('read:servers');
  if (!f || f === 'all') return false;
  for (const s of f.server ?? []) if (s.startsWith(`${userName}/`)) return true;
  return false;
}

/**
 * Filters a User model (§4.3): `kind` and `name` when any user-reading scope covers the user;
 * other keys per {@link USER_MODEL_KEYS}; `servers` per server with `read:servers` (present but
 * empty when the caller may read some server of this user and none is visible). Null when no
 * scope covers the user.
 */
export function filterUserModel(
  model: JsonObject,
  scopes: Held,
  groupsOf: GroupsOfUser,
): JsonObject | null {
  const parsed = scopes instanceof Map ? scopes : parseScopeSet(scopes);
  const name = typeof model.name === 'string' ? model.name : '';
  const resource = { user: name };
  const serversVisible = mayReadSomeServer(parsed, name, groupsOf);
  if (!serversVisible && !revealing(parsed, USER_BASE_SCOPES, resource, groupsOf)) return null;
  const out = pick(model, USER_MODEL_KEYS, 'user', parsed, resource, groupsOf);
  const servers = serversVisible ? filterServers(model.servers, name, parsed, groupsOf) : null;
  if (servers) out.servers = servers;
  return out;
}

/** A user model's `servers` dict, each server filtered; null when the model has none. */
function filterServers(
  servers: unknown,
  user: string,
  parsed: ParsedScopeSet,
  groupsOf: GroupsOfUser,
): JsonObject | null {
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) return null;
  const kept: JsonObject = {};
  for (const [sname, smodel] of Object.entries(servers)) {
    if (!smodel || typeof smodel !== 'object' || Array.isArray(smodel)) continue;
    const f = filterServerModel(
      { ...smodel, name: (smodel as JsonObject).name ?? sname },
      user,
      parsed,
      groupsOf,
    );
    if (f) {
      if (!('name' in (smodel as JsonObject))) delete f.name;
      kept[sname] = f;
    }
  }
  return kept;
}

/**
 * {@link filterUserModel} for the many users of one listing under one scope set: what the
 * scopes reveal of every user (a key one of whose scopes is held unfiltered) and what they can
 * never reveal (none held) is worked out once; only filtered scopes are checked per user. Same
 * result as `filterUserModel(model, scopes, groupsOf)` for each model.
 */
export function userModelFilter(scopes: Held, groupsOf: GroupsOfUser): UserModelFilter {
  const parsed = scopes instanceof Map ? scopes : parseScopeSet(scopes);
  const heldAll = (anyOf: readonly string[]) => anyOf.some((s) => parsed.get(s) === 'all');
  const heldSome = (anyOf: readonly string[]) => anyOf.some((s) => parsed.has(s));
  // Unfiltered read:servers shows every user and every server: the general path is only needed
  // for the user model's keys when some of them are filtered.
  if (!heldAll(['read:servers'])) return (model) => filterUserModel(model, parsed, groupsOf);
  const state = parsed.get('admin:server_state');
  const withState = state === 'all';
  const sameForAll = withState || state === undefined; // read:servers is held unfiltered here
  const keys = Object.entries(USER_MODEL_KEYS)
    .filter(([, anyOf]) => heldSome(anyOf))
    .map(([key, anyOf]) => ({ key, anyOf, always: heldAll(anyOf) }));
  const filter: UserModelFilter = (model) => {
    const name = typeof model.name === 'string' ? model.name : '';
    const resource = { user: name };
    const out: JsonObject = { kind: 'user', name: model.name ?? null };
    for (const { key, anyOf, always } of keys)
      if (key in model && (always || revealing(parsed, anyOf, resource, groupsOf)))
        out[key] = model[key]!;
    const servers = sameForAll
      ? copyServers(model.servers, withState)
      : filterServers(model.servers, name, parsed, groupsOf);
    if (servers) out.servers = servers;
    return out;
  };
  if (sameForAll && keys.every((k) => k.always))
    filter.plain = `${withState ? 'state' : ''}:${keys.map((k) => k.key).join(',')}`;
  return filter;
}

/**
 * A listing's filter. `plain` is set when its answer depends on the model alone (every key it
 * shows is held unfiltered, every server shows the same keys): then equal models give equal
 * answers, and `plain` names what this filter keeps.
 */
export type UserModelFilter = ((model: JsonObject) => JsonObject | null) & { plain?: string };

/**
 * {@link filterServers} when `read:servers` is held unfiltered and `admin:server_state` either
 * unfiltered (`withState`) or not at all: every server shows the same keys, no check per server.
 */
function copyServers(servers: unknown, withState: boolean): JsonObject | null {
  if (!servers || typeof servers !== 'object' || Array.isArray(servers)) return null;
  const kept: JsonObject = {};
  for (const [sname, smodel] of Object.entries(servers as JsonObject)) {
    if (!smodel || typeof smodel !== 'object' || Array.isArray(smodel)) continue;
    const out: JsonObject = {};
    for (const key of SERVER_MODEL_KEYS) if (key in smodel) out[key] = smodel[key]!;
    if (withState && 'state' in smodel) out.state = smodel.state!;
    kept[sname] = out;
  }
  return kept;
}

/** Filters a Group model: `read:groups` → kind/name/properties/users, `read:groups:name` → kind/name, `read:roles:groups` → roles. */
export function filterGroupModel(
  model: JsonObject,
  scopes: Held,
  groupsOf: GroupsOfUser,
): JsonObject | null {
  const parsed = scopes instanceof Map ? scopes : parseScopeSet(scopes);
  const resource = { group: typeof model.name === 'string' ? model.name : '' };
  if (
    !revealing(parsed, ['read:groups', 'read:groups:name', 'read:roles:groups'], resource, groupsOf)
  )
    return null;
  return pick(model, GROUP_MODEL_KEYS, 'group', parsed, resource, groupsOf);
}

/** Filters a Service model: `read:services` → all but roles, `read:services:name` → kind/name/admin, `read:roles:services` → roles/admin. */
export function filterServiceModel(
  model: JsonObject,
  scopes: Held,
  groupsOf: GroupsOfUser,
): JsonObject | null {
  const parsed = scopes instanceof Map ? scopes : parseScopeSet(scopes);
  const resource = { service: typeof model.name === 'string' ? model.name : '' };
  if (
    !revealing(
      parsed,
      ['read:services', 'read:services:name', 'read:roles:services'],
      resource,
      groupsOf,
    )
  )
    return null;
  return pick(model, SERVICE_MODEL_KEYS, 'service', parsed, resource, groupsOf);
}

/**
 * Filters a Token model: whole model when `read:tokens` covers its owner (`user` or `service`
 * key), otherwise null. The secret `token` key is never passed through (it is shown once, by the
 * creating handler, which adds it itself).
 */
export function filterTokenModel(
  model: JsonObject,
  scopes: Held,
  groupsOf: GroupsOfUser,
): JsonObject | null {
  const parsed = scopes instanceof Map ? scopes : parseScopeSet(scopes);
  const owner: ScopeResource =
    typeof model.user === 'string'
      ? { user: model.user }
      : { service: typeof model.service === 'string' ? model.service : '' };
  if (!revealing(parsed, ['read:tokens'], owner, groupsOf)) return null;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(model) as [string, JsonValue][])
    if (k !== 'token') out[k] = v;
  return out;
}
