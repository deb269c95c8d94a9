/**
 * The `JUPYTERHUB_*` environment the hub computes for a single-user server
 * (hub-protocol.md §1.2), plus the URL/name helpers it depends on.
 *
 * Pure functions: no I/O, no HTTP types. Spawners merge the result with `env_keep`,
 * USER/HOME/SHELL and `Spawner.environment` themselves (see spawner/local-process.ts).
 */
import { HubError } from '../errors.js';
import { pyQuote, urlEscapePath } from '../util/py-quote.js';

/** Input of {@link buildHubEnv}. URLs are exactly as they appear in the environment. */
export interface HubEnvInput {
  userName: string;
  /** '' for the default server. */
  serverName: string;
  /** The server's own hub API token (also its OAuth client secret). */
  apiToken: string;
  /** Hub API base as reachable from the server, e.g. `http://127.0.0.1:8081/hub/api` (trailing slash removed). */
  hubApiUrl: string;
  /** Application base URL, e.g. `/`. */
  baseUrl: string;
  /** Server prefix from {@link serverPrefixFor}, e.g. `/user/alice/`. */
  serverPrefix: string;
  /**
   * Bind URL (`JUPYTERHUB_SERVICE_URL`), e.g. from {@link bindUrlFor}. When the port is not yet
   * known (Spawner.port = 0) pass port 0: spawners that choose the port rewrite host and port
   * with {@link withServiceUrl}.
   */
  bindUrl: string;
  oauthAccessScopes: string[];
  oauthClientAllowedScopes: string[];
  /** Formatted notebook_dir; omitted/'' = not configured. */
  rootDir?: string;
  /** Formatted Spawner.default_url; omitted/'' = not configured. */
  defaultUrl?: string;
  debug?: boolean;
  disableUserConfig?: boolean;
  /** JupyterHub.public_url, e.g. `https://hub.example.org/`; omitted = relative URLs. */
  publicUrl?: string;
  cookieHostPrefix?: boolean;
  /** Hub cookie_options; exported only when non-empty. */
  cookieOptions?: Record<string, unknown>;
  /** Deprecated JupyterHub.admin_access. */
  adminAccess?: boolean;
  memLimit?: number | null;
  memGuarantee?: number | null;
  cpuLimit?: number | null;
  cpuGuarantee?: number | null;
}

/**
 * OAuth client id (= cookie name) of a server: `jupyterhub-user-<quote(name)>[-<quote(server)>]`,
 * quoting with Python's default safe set (`/` kept, `@` → `%40`).
 */
export function clientIdFor(userName: string, serverName: string): string {
  const base = `jupyterhub-user-${pyQuote(userName)}`;
  return serverName ? `${base}-${pyQuote(serverName)}` : base;
}

function withTrailingSlash(s: string): string {
  return s.endsWith('/') ? s : s + '/';
}

/** Server URL prefix: `<base>user/<escaped name>/[<escaped server>/]`, e.g. `/user/a@b/gpu/`. */
export function serverPrefixFor(baseUrl: string, userName: string, serverName: string): string {
  const base = withTrailingSlash(baseUrl || '/');
  const user = `${base}user/${urlEscapePath(userName)}/`;
  return serverName ? `${user}${urlEscapePath(serverName)}/` : user;
}

/** Host part of a URL: IPv6 in brackets, '' kept (= all interfaces, JupyterHub 5.3+). */
function formatHost(ip: string): string {
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
}

/** `JUPYTERHUB_SERVICE_URL` value: `http(s)://<ip>:<port><prefix>` (empty ip kept empty). */
export function bindUrlFor(ip: string, port: number, prefix: string, https = false): string {
  return `${https ? 'https' : 'http'}://${formatHost(ip)}:${port}${prefix}`;
}

/**
 * Returns a copy of `env` whose `JUPYTERHUB_SERVICE_URL` uses `ip` and `port`, keeping its scheme
 * and path (or building it from `JUPYTERHUB_SERVICE_PREFIX` when absent). Spawners that choose
 * the port themselves call this (the hub cannot know the port before `start()`).
 */
export function withServiceUrl(
  env: Record<string, string>,
  ip: string,
  port: number,
): Record<string, string> {
  const current = env.JUPYTERHUB_SERVICE_URL;
  let scheme = 'http';
  let path = env.JUPYTERHUB_SERVICE_PREFIX || '/';
  if (current) {
    // Not `new URL()`: an empty host (`http://:0/x/`) is legal here but not for WHATWG URL.
    const m = /^(https?):\/\/(\[[^\]]*\]|[^/]*)(\/.*)?$/.exec(current);
    if (m) {
      scheme = m[1];
      path = m[3] ?? '/';
    }
  }
  return { ...env, JUPYTERHUB_SERVICE_URL: bindUrlFor(ip, port, path, scheme === 'https') };
}

/** Python `json.dumps` for JSON-able data (", "/": " separators, ensure_ascii). */
export function pyJsonDumps(value: unknown): string {
  const ascii = (s: string) =>
    JSON.stringify(s).replace(
      /[\u007f-\uffff]/g,
      (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
    );
  const dump = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return ascii(v);
    if (typeof v === 'number' || typeof v === 'boolean')
      return v === true ? 'true' : v === false ? 'false' : String(v);
    if (Array.isArray(v)) return '[' + v.map(dump).join(', ') + ']';
    if (typeof v === 'object') {
      return (
        '{' +
        Object.entries(v as Record<string, unknown>)
          .map(([k, x]) => `${ascii(k)}: ${dump(x)}`)
          .join(', ') +
        '}'
      );
    }
    return 'null';
  };
  return dump(value);
}

/** Python `str(float)`: `2` → `2.0`, `1.5` → `1.5`. */
function pyFloatStr(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.public_url must be an absolute URL like https://hub.example.org/; got ${JSON.stringify(url)}.`,
    );
  }
}

/**
 * The hub-computed part of a single-user server's environment (hub-protocol.md §1.2), in
 * JupyterHub's order. Does not include env_keep, USER/HOME/SHELL or Spawner.environment.
 */
export function buildHubEnv(input: HubEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  const apiUrl = input.hubApiUrl.replace(/\/+$/, '');
  const baseUrl = withTrailingSlash(input.baseUrl || '/');
  env.JUPYTERHUB_API_TOKEN = input.apiToken;
  env.JPY_API_TOKEN = input.apiToken;
  if (input.adminAccess) env.JUPYTERHUB_ADMIN_ACCESS = '1';
  env.JUPYTERHUB_CLIENT_ID = clientIdFor(input.userName, input.serverName);
  if (input.cookieOptions && Object.keys(input.cookieOptions).length) {
    env.JUPYTERHUB_COOKIE_OPTIONS = pyJsonDumps(input.cookieOptions);
  }
  env.JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED = input.cookieHostPrefix ? '1' : '0';
  const origin = input.publicUrl ? originOf(input.publicUrl) : '';
  env.JUPYTERHUB_HOST = origin;
  // serverPrefix already is `<user url><escaped server>/`, so this equals
  // url_path_join(user.url, url_escape_path(server), 'oauth_callback').
  env.JUPYTERHUB_OAUTH_CALLBACK_URL = `${withTrailingSlash(input.serverPrefix)}oauth_callback`;
  env.JUPYTERHUB_OAUTH_SCOPES = pyJsonDumps(input.oauthAccessScopes);
  env.JUPYTERHUB_OAUTH_ACCESS_SCOPES = pyJsonDumps(input.oauthAccessScopes);
  env.JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES = pyJsonDumps(input.oauthClientAllowedScopes);
  env.JUPYTERHUB_USER = input.userName;
  env.JUPYTERHUB_SERVER_NAME = input.serverName;
  env.JUPYTERHUB_API_URL = apiUrl;
  env.JUPYTERHUB_ACTIVITY_URL = `${apiUrl}/users/${urlEscapePath(input.userName)}/activity`;
  env.JUPYTERHUB_BASE_URL = baseUrl;
  env.JUPYTERHUB_SERVICE_PREFIX = input.serverPrefix;
  env.JUPYTERHUB_SERVICE_URL = input.bindUrl;
  env.JUPYTERHUB_PUBLIC_URL = origin ? origin + input.serverPrefix : '';
  env.JUPYTERHUB_PUBLIC_HUB_URL = origin ? `${origin}${baseUrl}hub/` : '';
  if (input.memLimit != null) env.MEM_LIMIT = String(Math.trunc(input.memLimit));
  if (input.memGuarantee != null) env.MEM_GUARANTEE = String(Math.trunc(input.memGuarantee));
  if (input.cpuLimit != null) env.CPU_LIMIT = pyFloatStr(input.cpuLimit);
  if (input.cpuGuarantee != null) env.CPU_GUARANTEE = pyFloatStr(input.cpuGuarantee);
  if (input.rootDir) env.JUPYTERHUB_ROOT_DIR = input.rootDir;
  if (input.defaultUrl) env.JUPYTERHUB_DEFAULT_URL = input.defaultUrl;
  if (input.debug) env.JUPYTERHUB_DEBUG = '1';
  if (input.disableUserConfig) env.JUPYTERHUB_DISABLE_USER_CONFIG = '1';
  return env;
}

/**
 * Formats `Spawner.notebook_dir` / `Spawner.default_url` like Python's `str.format` with the
 * namespace `{username}` (raw name) and `{base_url}` (server prefix); `{{`/`}}` are literal braces;
 * legacy `%U` means `{username}`. Throws HubError LABHUB_ERR_CONFIG for any other field.
 */
export function formatSpawnerTemplate(
  template: string,
  ns: { username: string; base_url: string },
): string {
  const src = template.replaceAll('%U', '{username}');
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '{' && src[i + 1] === '{') {
      out += '{';
      i++;
      continue;
    }
    if (c === '}' && src[i + 1] === '}') {
      out += '}';
      i++;
      continue;
    }
    if (c === '{') {
      const end = src.indexOf('}', i);
      const field = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
      if (end >= 0 && (field === 'username' || field === 'base_url')) {
        out += ns[field];
        i = end;
        continue;
      }
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Spawner template ${JSON.stringify(template)} uses {${field}}${end < 0 ? ' without a closing }' : ''}; ` +
          'only {username} and {base_url} are supported (write {{ or }} for a literal brace).',
      );
    }
    if (c === '}') {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Spawner template ${JSON.stringify(template)} has a single '}' at position ${i}; write '}}' for a literal brace.`,
      );
    }
    out += c;
  }
  return out;
}
