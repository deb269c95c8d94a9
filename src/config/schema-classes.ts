/** Traits of the Spawner, proxy and labhub classes (JupyterHub names and defaults); the authenticators' are in schema-auth.ts. */
import { z } from 'zod';
import {
  anyDict,
  byteSize,
  command,
  port,
  posInt,
  seconds,
  strDict,
  strList,
  t,
} from './schema-util.js';
import { SPAWNER_ENV_KEEP } from './env-keep.js';

export const spawnerTraits = {
  cmd: t(
    command,
    ['jupyterhub-singleuser'],
    'list[str]',
    'Command that starts the single-user server. If not on PATH, labhub uses its own Python environment (Labhub.user_env_dir).',
  ),
  args: t(strList, [], 'list[str]', 'Extra arguments for cmd.'),
  default_url: t(
    z.string(),
    '',
    'str',
    'Landing path inside the server, e.g. `/lab`; `{username}` is replaced. Passed as `JUPYTERHUB_DEFAULT_URL`.',
  ),
  notebook_dir: t(
    z.string(),
    '',
    'str',
    'Root directory of the file browser; `{username}` is replaced (labhub creates it if missing). Passed as `JUPYTERHUB_ROOT_DIR`.',
  ),
  environment: t(strDict, {}, 'dict[str, str]', 'Extra environment variables for the server.'),
  env_keep: t(
    strList,
    [...SPAWNER_ENV_KEEP],
    'list[str]',
    "Variables passed through from the hub's environment.",
  ),
  ip: t(z.string(), '127.0.0.1', 'str', 'IP the single-user server listens on.'),
  port: t(
    port,
    0,
    'int',
    "Port of the single-user server (0 = a free port chosen at spawn; the local spawners choose it in 10000-65535 outside the kernel's ephemeral port range).",
  ),
  start_timeout: t(seconds, 60, 'int', 'Seconds the server may take to start.'),
  http_timeout: t(seconds, 30, 'int', 'Seconds the started server may take to answer HTTP.'),
  poll_interval: t(seconds, 30, 'int', 'Seconds between checks that the server is still running.'),
  mem_limit: t(
    byteSize.nullable(),
    null,
    'bytes',
    'Memory limit: bytes or `512M`, `2G` (1024-based). labhub enforces it where the machine allows and says at start where it cannot.',
  ),
  cpu_limit: t(z.number().positive().nullable(), null, 'float', 'CPU limit in cores (e.g. 1.5).'),
  debug: t(z.boolean(), false, 'bool', 'Start the server with debug logging.'),
  disable_user_config: t(z.boolean(), false, 'bool', "Ignore the user's own Jupyter config files."),
  options_form: t(
    z.string(),
    '',
    'str',
    'HTML form shown before spawning; its values become user_options.',
  ),
  profile_list: t(
    z.array(anyDict),
    [],
    'list[dict]',
    'Choices offered before spawning (KubeSpawner-style `{display_name, slug, kubespawner_override}`).',
  ),
  server_token_scopes: t(
    strList,
    [],
    'list[str]',
    "Scopes of the server's own API token (empty: JupyterHub's default set).",
  ),
  oauth_client_allowed_scopes: t(
    strList,
    [],
    'list[str]',
    "Extra scopes the server's OAuth client may ask for.",
  ),
  oauth_access_scopes: t(
    strList,
    [],
    'list[str]',
    'Scopes a browser needs to access the server (empty: `access:servers!server=<user>/<name>`).',
  ),
  interrupt_timeout: t(seconds, 10, 'int', 'Seconds to wait after SIGINT before SIGTERM.'),
  term_timeout: t(seconds, 5, 'int', 'Seconds to wait after SIGTERM before SIGKILL.'),
  kill_timeout: t(seconds, 5, 'int', 'Seconds to wait after SIGKILL.'),

  hub_connect_url: t(
    z.string(),
    '',
    'str',
    "URL this spawner's servers use to reach the hub (e.g. `http://10.0.0.5:8081`), when it differs from JupyterHub.hub_connect_url; becomes their `JUPYTERHUB_API_URL` (`…/hub/api`).",
  ),
  run_as_user: t(
    z.enum(['auto', 'self']),
    'auto',
    'str',
    "labhub (local-process): 'auto' runs each server as the Linux account named like the user when the hub is root (refused when there is no such account); 'self' runs every server as the hub's own user.",
  ),
  allow_root: t(
    z.boolean(),
    true,
    'bool',
    "labhub (local-process): with run_as_user 'self' under root, pass --allow-root to Jupyter (with a warning). SimpleLocalProcessSpawner never adds it: put it in Spawner.args.",
  ),
  user_env: t(
    z.enum(['auto', 'off']),
    'auto',
    'str',
    "labhub: 'auto' creates labhub's own Python environment (python/requirements.txt) when jupyterhub-singleuser is not on PATH; 'off' never does.",
  ),
};

export const simpleSpawnerTraits = {
  home_dir_template: t(
    z.string().min(1),
    '/tmp/{username}',
    'str',
    "HOME and working directory of each server (`{username}` is replaced), created with mode 0755. It must belong to the hub's user and not be writable by others, or the spawn is refused.",
  ),
};

const idleCuller = z.strictObject({
  enabled: z.boolean().default(false),
  timeout: seconds.default(3600),
  interval: seconds.default(300),
  max_age: seconds.default(0),
  cull_users: z.boolean().default(false),
});

const highAvailability = z.strictObject({
  heartbeat_interval: z.number().positive().default(2),
  replica_timeout: z.number().positive().default(10),
  proxy_api_urls: z.array(z.string().url()).default([]),
});

const loginRateLimit = z.strictObject({
  per_user: posInt.default(5),
  per_ip: posInt.default(30),
  window_seconds: seconds.default(300),
});

const letsencrypt = z.strictObject({
  email: z.string().default(''),
  domains: z.array(z.string().min(1)).default([]),
  directory_url: z.string().url().default('https://acme-v02.api.letsencrypt.org/directory'),
  directory_ca_file: z.string().default(''),
  renew_days: z.number().int().min(1).max(365).default(30),
  state_dir: z.string().default(''),
  challenge: z.enum(['http-01', 'tls-alpn-01']).default('http-01'),
});

const usage = z.strictObject({
  sample_interval: seconds.default(60),
  raw_retention_hours: posInt.default(48),
  retention_days: posInt.default(400),
  hourly_retention_days: z.number().int().min(32).default(90),
  monthly_server_hours: z.number().min(0).default(0),
  monthly_server_hours_per_group: z.record(z.string(), z.number().min(0)).default({}),
});

export const proxyTraits = {
  api_url: t(z.string(), 'http://127.0.0.1:8001', 'str', "URL of the proxy's REST API."),
  auth_token: t(
    z.string(),
    '',
    'str',
    'Token for the proxy API (env `CONFIGPROXY_AUTH_TOKEN`; empty: generated and shared with a proxy the hub starts).',
  ),
  command: t(
    command,
    ['labhub-proxy'],
    'list[str]',
    'Command that starts the proxy. `labhub-proxy` is the bundled one; `configurable-http-proxy` works too.',
  ),
  should_start: t(
    z.boolean(),
    true,
    'bool',
    'Start the proxy (and adopt one already running with the same token). false: use an external proxy.',
  ),
  debug: t(
    z.boolean(),
    false,
    'bool',
    'Start the proxy with debug logging (`--log-level debug`; applies to a proxy the hub starts).',
  ),
  check_running_interval: t(seconds, 5, 'int', 'Seconds between checks that the proxy is alive.'),
  pid_file: t(
    z.string(),
    'jupyterhub-proxy.pid',
    'str',
    'File with the pid of the proxy the hub started.',
  ),
};

export const labhubTraits = {
  user_env_dir: t(
    z.string(),
    '',
    'str',
    "Where labhub creates its Python environment (venv with jupyterlab, jupyterhub, ipykernel) when `jupyterhub-singleuser` is not on PATH. Empty: `/opt/labhub/venv` when labhub runs as root, else `$XDG_DATA_HOME/labhub/venv` (usually `~/.local/share/labhub/venv`). Local-process spawners only: refused with the Docker and Kubernetes spawners, whose image brings the servers' Python.",
  ),
  user_env_requirements: t(
    z.string(),
    '',
    'str',
    "Requirements file (pip's `-r` format) labhub installs into its Python environment; it must provide `jupyterhub-singleuser`. A changed file updates the environment at the next start or spawn. Empty: labhub's own pins (`python/requirements.txt`: JupyterLab 4, jupyterhub, ipykernel, notebook).",
  ),
  shared_env_dir: t(
    z.string(),
    '',
    'str',
    "Directory of the shared environment admins manage (`labhub env install PKG`, or the admin page's Environment link): Python packages for every user server of the local-process spawners, pinned, on the servers' PYTHONPATH (the directory's `current/site`). Empty: off. E.g. `/var/lib/labhub/shared-env`.",
  ),
  shared_env_python: t(
    z.string(),
    '',
    'str',
    'The Python of the user servers, which pip of the shared environment runs with and resolves against. Empty: the interpreter of `jupyterhub-singleuser` as the spawner finds it (on PATH, else in `Labhub.user_env_dir`).',
  ),
  server_log_dir: t(
    z.string(),
    '',
    'str',
    "Directory where each local-process server's output is written (one file per server, mode 0600, emptied at each start). The hub copies it into its own log, and keeps doing so for servers it reattaches after a restart. Empty: `/var/log/labhub/servers` when labhub runs as root, else `$XDG_STATE_HOME/labhub/servers` (usually `~/.local/state/labhub/servers`).",
  ),
  idle_culler: t(
    idleCuller,
    {},
    '{enabled, timeout, interval, max_age, cull_users}',
    'Built-in idle culler: stop servers idle for `timeout` s (default 3600), checked every `interval` s (300); `max_age` > 0 also stops servers older than that; `cull_users` also deletes a non-admin user whose last active server was culled (temporary users). Off by default.',
  ),
  usage: t(
    usage,
    {},
    '{sample_interval, raw_retention_hours, retention_days, hourly_retention_days, monthly_server_hours, monthly_server_hours_per_group}',
    "Usage accounting (docs/usage-reports.md): server sessions are always recorded; CPU and memory of each running server are sampled every `sample_interval` s (default 60; 0 = no sampling) through its spawner (local servers: their cgroup, else /proc), kept raw for `raw_retention_hours` (48), as daily totals per user for `retention_days` (400) and as hourly totals per server for `hourly_retention_days` (90, at least 32: the monthly budget reads them; reports reaching further back are widened to whole days). Budgets: a user who has used `monthly_server_hours` server-hours this calendar month (UTC) cannot start another server (0 = no budget); `monthly_server_hours_per_group` gives the members of a group their own budget (`{group: hours}`, the largest of a user's groups applies). Admins are exempt.",
  ),
  high_availability: t(
    highAvailability,
    {},
    '{heartbeat_interval, replica_timeout, proxy_api_urls}',
    'Hub replicas and proxy replicas (docs/high-availability.md): every hub refreshes its row in the database every `heartbeat_interval` s (default 2); one silent for `replica_timeout` s (10) is dead, and the leader adopts its servers within `replica_timeout + 2 × heartbeat_interval`. Several hubs need PostgreSQL: on SQLite a second hub refuses to start. `proxy_api_urls`: the API URLs of further labhub-proxy/CHP processes (same auth token as ConfigurableHTTPProxy.api_url) that get every route too; the leader reconciles each of them against the database every ConfigurableHTTPProxy.check_running_interval.',
  ),
  login_rate_limit: t(
    loginRateLimit,
    {},
    '{per_user, per_ip, window_seconds}',
    'Failed logins allowed per user (default 5) and per client address (30) within `window_seconds` (300) before further attempts get 429. On PostgreSQL the failures are counted in the database, so the limit holds for all hub replicas together (docs/high-availability.md).',
  ),

  generate_self_signed_cert: t(
    z.boolean(),
    false,
    'bool',
    "Serve HTTPS with a self-signed certificate that labhub creates (ECDSA P-256, valid 825 days, for this machine's hostname, localhost and its IP addresses) when the files do not exist yet, and renews 30 days before it expires. Written to JupyterHub.ssl_cert/ssl_key if set, else to `labhub-selfsigned-cert.pem`/`labhub-selfsigned-key.pem` next to the cookie secret. Browsers warn about it: use a real certificate for anything public.",
  ),
  letsencrypt: t(
    letsencrypt,
    {},
    '{email, domains, directory_url, directory_ca_file, renew_days, state_dir, challenge}',
    "Automatic HTTPS from Let's Encrypt or any ACME CA (TLJH's `https.letsencrypt`): with `domains` set, labhub's proxy serves HTTPS on JupyterHub.port with a certificate for those names, obtained through the HTTP-01 challenge on Labhub.http_redirect_port (default 80 here; the CA must reach it as port 80 of every domain) and renewed `renew_days` (30) before it expires, reloaded without dropping connections. `email` is the account contact (expiry notices). `directory_url`: the CA (default Let's Encrypt production; staging is https://acme-staging-v02.api.letsencrypt.org/directory); `directory_ca_file`: a PEM CA to trust for the directory's own HTTPS (test CAs only). The account key, certificate and key are stored 0600 in `state_dir` (default `acme/` next to the cookie secret). `challenge`: `http-01` (default) or `tls-alpn-01` (the CA validates on the HTTPS port, JupyterHub.port, which must be port 443 of every domain; no port 80 needed, and Labhub.http_redirect_port is then off unless set). Needs labhub-proxy (the default proxy), and excludes JupyterHub.ssl_cert/ssl_key and Labhub.generate_self_signed_cert.",
  ),
  proxy_engine: t(
    z.enum(['auto', 'node', 'haproxy']),
    'auto',
    'str',
    "Data plane of the bundled labhub-proxy (its `--engine`): `auto` (the default) runs HAProxy when it is installed (Debian package `haproxy`, 2.4 or newer) and the proxy's flags allow it, else the built-in Node engine, and the hub logs which one runs (`proxy: Engine: HAProxy 2.6.12 (--engine auto)`); `node` always the Node engine (no dependency); `haproxy` HAProxy or refuse to start. Either engine serves Labhub.letsencrypt certificates and reloads them live. Not passed to a custom `ConfigurableHTTPProxy.command`. See docs/proxy.md.",
  ),
  http_redirect_port: t(
    port,
    0,
    'int',
    "With HTTPS: also listen for plain HTTP on this port (e.g. 80) and redirect every request to https on JupyterHub.port (the proxy's `--redirect-port`). 0 = off.",
  ),
};

/** Extra help per class for docs/config.md. */
export const classHelp: Record<string, string> = {
  Authenticator:
    'Who may log in and who is admin. These traits apply to every authenticator class.',
  LocalAuthenticator: 'Authenticators backed by Linux accounts (PAM).',
  PAMAuthenticator: 'Passwords checked by PAM (the default when labhub runs as root on Linux).',
  DummyAuthenticator: 'Any username, one shared password. For tests only.',
  NativeAuthenticator:
    'Accounts stored in the hub database with sign-up and admin approval (the default when not root).',
  Spawner: 'How single-user servers are started. These traits apply to every spawner class.',
  LocalProcessSpawner: 'Servers as local processes (as each user when labhub runs as root).',
  SimpleLocalProcessSpawner:
    "Servers as local processes, all as the hub's own user, with no Linux account per user and no isolation between users (tests and demos). As root, Jupyter needs `Spawner.args = ['--allow-root']`; labhub refuses the spawn without it.",
  ConfigurableHTTPProxy:
    'The proxy the hub drives through the configurable-http-proxy REST API (labhub-proxy or CHP).',
  Labhub: 'labhub-only settings (no JupyterHub equivalent).',
};
