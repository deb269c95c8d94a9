/** Traits of the `JupyterHub` class (the application). Names and defaults follow JupyterHub 5/6. */
import { z } from 'zod';
import { anyDict, command, port, posInt, seconds, strDict, strList, t } from './schema-util.js';

/** One entry of `JupyterHub.services`. */
export const serviceSchema = z.strictObject({
  name: z.string().min(1),
  api_token: z.string().optional(),
  url: z.string().optional(),
  command: command.optional(),
  environment: strDict.default({}),
  user: z.string().optional(),
  cwd: z.string().optional(),
  oauth_client_id: z.string().optional(),
  oauth_client_allowed_scopes: strList.default([]),
  oauth_no_confirm: z.boolean().default(false),
  oauth_redirect_uri: z.string().optional(),
  display: z.boolean().default(true),
  info: anyDict.default({}),
  /** Deprecated since JupyterHub 2.0 (use load_roles); still honoured, with a warning. */
  admin: z.boolean().optional(),
});
export type ServiceConfig = z.output<typeof serviceSchema>;

/** One entry of `JupyterHub.load_roles`. */
export const roleSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  scopes: strList.default([]),
  users: strList.default([]),
  groups: strList.default([]),
  services: strList.default([]),
});
export type RoleConfig = z.output<typeof roleSchema>;

/** One value of `JupyterHub.load_groups` (the old `name: [users]` form is converted by the loader). */
export const groupSchema = z.strictObject({
  users: strList.default([]),
  properties: anyDict.default({}),
});
export type GroupConfig = z.output<typeof groupSchema>;

const customScopeSchema = z.strictObject({
  description: z.string(),
  subscopes: strList.optional(),
});

export const jupyterHubTraits = {
  ip: t(
    z.string(),
    '',
    'str',
    "Public IP the proxy listens on. `''`, `0.0.0.0` or `*` mean all interfaces (labhub binds them directly and checks itself over loopback).",
  ),
  port: t(port, 8000, 'int', 'Public port the proxy listens on; this is where users connect.'),
  base_url: t(
    z.string(),
    '/',
    'str',
    'URL prefix of the whole hub (always starts and ends with `/`).',
  ),
  bind_url: t(
    z.string().nullable(),
    null,
    'str',
    'Full public URL to bind (e.g. `http://:8000/`). If `ip`, `port` or `base_url` are set they win, as in JupyterHub; labhub fills this in from them.',
    'derived from ip, port and base_url (`http://:8000/`)',
  ),
  hub_ip: t(
    z.string(),
    '127.0.0.1',
    'str',
    'IP the hub itself (internal API, pages behind the proxy) listens on.',
  ),
  hub_port: t(
    port,
    8081,
    'int',
    'Internal port of the hub. Users do **not** connect here; they connect to `port`.',
  ),
  hub_bind_url: t(
    z.string(),
    '',
    'str',
    'Full URL the hub binds to, e.g. `http://127.0.0.1:8081`; its host and port override hub_ip/hub_port.',
  ),
  hub_connect_ip: t(
    z.string(),
    '',
    'str',
    'IP that single-user servers and services use to reach the hub, when it differs from hub_ip.',
  ),
  hub_connect_url: t(
    z.string(),
    '',
    'str',
    'Full URL servers use to reach the hub API; overrides hub_connect_ip.',
  ),
  public_url: t(
    z.string(),
    '',
    'str',
    'Public URL of the hub as seen by browsers (used for absolute links and OAuth redirects).',
  ),
  db_url: t(
    z.string(),
    'sqlite:///jupyterhub.sqlite',
    'str',
    'Database URL: `sqlite:///path` or `postgresql://…`.',
  ),
  cookie_secret_file: t(
    z.string(),
    'jupyterhub_cookie_secret',
    'str',
    'File holding the cookie secret (created 0600 if missing; made 0600 with a warning if readable by group/others). Env `JPY_COOKIE_SECRET` overrides.',
  ),
  cookie_max_age_days: t(seconds, 14, 'float', 'Lifetime of the login cookie, in days.'),
  authenticator_class: t(
    z.string(),
    'default',
    'str',
    'Authenticator: `pam`, `native`, `dummy`, `ldap`, a JupyterHub class path (`jupyterhub.auth.PAMAuthenticator`) or a module path. `default`: `pam` when labhub runs as root on Linux, else `native`.',
  ),
  spawner_class: t(
    z.string(),
    'localprocess',
    'str',
    "Spawner: `localprocess` (each server as its user's Linux account when labhub is root), `simple` (every server as the hub's own user, HOME `/tmp/{username}`; tests and demos), a JupyterHub class path, or a module path.",
  ),
  proxy_class: t(
    z.string(),
    'configurable-http-proxy',
    'str',
    'Proxy implementation. Only `configurable-http-proxy` (also written `jupyterhub.proxy.ConfigurableHTTPProxy` or `ConfigurableHTTPProxy`) exists: it drives labhub-proxy or CHP through the CHP REST API. Any other value is refused at start.',
  ),
  services: t(
    z.array(serviceSchema),
    [],
    'list[service]',
    'Services: `{name, api_token, url, command, environment, user, cwd, oauth_client_allowed_scopes, oauth_no_confirm, oauth_redirect_uri, display, info}`. `admin` is deprecated (use load_roles).',
  ),
  load_roles: t(
    z.array(roleSchema),
    [],
    'list[role]',
    'Roles to create at start: `{name, description, scopes, users, groups, services}`.',
  ),
  load_groups: t(
    z.record(z.string(), groupSchema),
    {},
    'dict[str, group]',
    'Groups to create at start: `name: {users: [...], properties: {...}}`. The old form `name: [users]` is converted with a warning.',
  ),
  custom_scopes: t(
    z.record(z.string(), customScopeSchema),
    {},
    'dict[str, scope]',
    'Custom scopes `custom:<name>`: `{description, subscopes}`.',
  ),
  extra_user_scopes: t(strList, [], 'list[str]', 'Scopes added to every user (JupyterHub 6).'),
  allow_named_servers: t(z.boolean(), false, 'bool', 'Allow users to have several named servers.'),
  named_server_limit_per_user: t(
    posInt,
    0,
    'int',
    'Maximum named servers per user (0 = no limit).',
  ),
  concurrent_spawn_limit: t(
    posInt,
    100,
    'int',
    'Maximum spawns in progress at once (429 with Retry-After beyond it; 0 = no limit).',
  ),
  active_server_limit: t(posInt, 0, 'int', 'Maximum running servers (0 = no limit).'),
  api_page_default_limit: t(posInt, 50, 'int', 'Default page size of paginated API lists.'),
  api_page_max_limit: t(posInt, 200, 'int', 'Largest page size a client may ask for.'),
  activity_resolution: t(
    seconds,
    30,
    'int',
    'Seconds below which activity updates are not written to the database.',
  ),
  last_activity_interval: t(
    seconds,
    300,
    'int',
    'Seconds between updates of last-activity from the proxy.',
  ),
  redirect_to_server: t(
    z.boolean(),
    true,
    'bool',
    "After login, go to the user's server (else to the home page).",
  ),
  default_url: t(
    z.string(),
    '',
    'str',
    'Where `/hub/` sends a logged-in user (empty: their server or home).',
  ),
  shutdown_on_logout: t(z.boolean(), false, 'bool', "Stop the user's servers when they log out."),
  authenticate_prometheus: t(
    z.boolean(),
    true,
    'bool',
    '`/hub/metrics` needs a token with `read:metrics`.',
  ),
  statsd_host: t(
    z.string(),
    '',
    'str',
    'statsd host; metrics are sent only when this is set (JupyterHub 6 removed statsd; labhub keeps it).',
  ),
  statsd_port: t(port, 8125, 'int', 'statsd UDP port.'),
  statsd_prefix: t(z.string(), 'jupyterhub', 'str', 'Prefix of statsd metric names.'),
  ssl_cert: t(z.string(), '', 'str', 'TLS certificate file (PEM) for the public listener.'),
  ssl_key: t(z.string(), '', 'str', 'TLS private key file (PEM).'),
  template_paths: t(
    strList,
    [],
    'list[str]',
    'Directories searched for page templates before the built-in ones.',
  ),
  logo_file: t(z.string(), '', 'str', 'Logo image shown in the page header.'),
  oauth_token_expires_in: t(
    seconds.nullable(),
    null,
    'int',
    'Lifetime of OAuth access tokens, in seconds.',
    'cookie_max_age_days in seconds (14 days)',
  ),
  oauth_require_pkce: t(
    z.boolean(),
    false,
    'bool',
    'Refuse OAuth authorization requests without PKCE (JupyterHub 6).',
  ),
  token_expires_in_max_seconds: t(
    seconds,
    0,
    'int',
    'Longest lifetime a user may give an API token (0 = unlimited).',
  ),
  cleanup_servers: t(
    z.boolean(),
    false,
    'bool',
    'Stop every user server when the hub stops (Ctrl-C, SIGTERM, or `POST /hub/api/shutdown` without `servers`). labhub default `false`: servers keep running and the next start reattaches them (JupyterHub defaults to true). To stop everything once: `labhub stop --all`.',
  ),
  cleanup_proxy: t(
    z.boolean(),
    false,
    'bool',
    'Stop the proxy when the hub stops (Ctrl-C, SIGTERM, or `POST /hub/api/shutdown` without `proxy`). Applies to a proxy a labhub hub started: this one, or one an earlier start left running that this start adopted (its pid is in ConfigurableHTTPProxy.pid_file); never to an external proxy. labhub default `false`: users keep their connections across hub restarts (JupyterHub defaults to true).',
  ),
  implicit_spawn_seconds: t(
    seconds,
    0,
    'float',
    'Seconds after which the spawn page starts a server without a click (0 = never).',
  ),
  log_level: t(
    z.union([z.enum(['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'CRITICAL']), z.number().int()]),
    'INFO',
    'str or int',
    'Log level of the hub (Python level names or numbers: 10 debug, 20 info, 30 warn, 40 error, 50 critical). `--log-level` on the command line wins, then `LABHUB_LOG_LEVEL` in the environment.',
  ),
};

/** Help shown at the top of the JupyterHub section of docs/config.md. */
export const jupyterHubHelp =
  'The hub application: network addresses, database, classes to use, services, roles and limits.';
