/**
 * The last check before the hub changes a proxy route for a user's server or a service: the
 * route spec must be the owner's own prefix (`<base>user/<name>/[<server>/]`,
 * `<base>services/<name>/`), read the way the proxy reads it (each segment percent-decoded once),
 * with no dot segment however spelled. Anything else — in particular the hub's own route `/` or
 * base_url — is refused with HubError LABHUB_ERR_UNSAFE_ROUTE, whatever the name checks upstream
 * let through (rows written by older versions, a bug elsewhere).
 */
import { HubError } from '../errors.js';
import { findDotSegment } from '../util/dot-segments.js';
import { isDotLike } from '../util/names.js';
import { serverPrefixFor } from '../spawner/spawn-env.js';

function baseOf(baseUrl: string): string {
  const b = baseUrl || '/';
  return b.endsWith('/') ? b : `${b}/`;
}

function decodeSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Why `spec` is not exactly `parent` + one segment per name + '/', or null when it is. */
function problemWith(spec: string, parent: string, names: readonly string[]): string | null {
  if (!spec.startsWith(parent) || !spec.endsWith('/') || spec.length <= parent.length)
    return `it is not under ${parent}`;
  const dot = findDotSegment(spec);
  if (dot !== null) return `its segment '${dot}' is a dot segment (the proxy resolves it)`;
  const raw = spec.slice(parent.length, -1).split('/');
  if (raw.length !== names.length)
    return `it has ${raw.length} segments after ${parent} where ${names.length} were expected`;
  for (let i = 0; i < raw.length; i++) {
    const seg = decodeSegment(raw[i]!);
    if (seg === null) return `its segment '${raw[i]}' is not valid percent-encoding`;
    if (seg !== names[i]) return `its segment '${raw[i]}' reads as '${seg}', not '${names[i]}'`;
    if (seg === '' || isDotLike(seg) || /[/\\]/.test(seg))
      return `its segment '${raw[i]}' is not a plain name`;
  }
  return null;
}

function refuse(spec: string, owner: string, why: string, parent: string): HubError {
  return new HubError(
    'LABHUB_ERR_UNSAFE_ROUTE',
    500,
    `Refusing to change the proxy route '${spec}' for ${owner}: ${why}. A route for ${owner} must be exactly ${parent}<name>/; this name cannot be routed. Rename or delete it.`,
  );
}

/**
 * The proxy route spec of a user's server, checked. Throws HubError LABHUB_ERR_UNSAFE_ROUTE when
 * it would not be exactly `<base>user/<user>/[<server>/]` once the proxy decodes it.
 */
export function userRouteSpec(baseUrl: string, userName: string, serverName: string): string {
  const spec = serverPrefixFor(baseUrl, userName, serverName);
  const parent = `${baseOf(baseUrl)}user/`;
  const names = serverName ? [userName, serverName] : [userName];
  const why = problemWith(spec, parent, names);
  if (why) {
    const owner = serverName
      ? `server ${JSON.stringify(serverName)} of user ${JSON.stringify(userName)}`
      : `the server of user ${JSON.stringify(userName)}`;
    throw refuse(spec, owner, why, parent);
  }
  return spec;
}

/**
 * Check a service's route spec (as ServiceRegistry.prefix computes it) before it goes to the
 * proxy. Throws HubError LABHUB_ERR_UNSAFE_ROUTE unless it is exactly `<base>services/<name>/`.
 */
export function checkServiceRouteSpec(baseUrl: string, name: string, spec: string): string {
  const parent = `${baseOf(baseUrl)}services/`;
  const why = problemWith(spec, parent, [name]);
  if (why) throw refuse(spec, `service ${JSON.stringify(name)}`, why, parent);
  return spec;
}
