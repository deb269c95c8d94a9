import { createRequire } from 'node:module';
import type { HubConfig } from '../config/index.js';
import { classChain, classForId, isExplicit, traitsFor } from '../config/index.js';
import { HubError } from '../errors.js';
import type { RoleSettings, ServiceSettings, Settings } from './settings.js';

/** The JupyterHub version labhub speaks on the wire (X-JupyterHub-Version, GET /hub/api). */
export const JUPYTERHUB_VERSION = '6.1.1';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const LABHUB_VERSION = pkg.version;

type Loose = Record<string, unknown>;
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const num = (v: unknown, d: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : d;
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const strMap = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Loose).map(([k, x]) => [k, String(x)]))
    : {};

/** '' / '*' / '0.0.0.0' / '::' all mean "every interface". */
export function isWildcardIp(ip: string): boolean {
  return ip === '' || ip === '*' || ip === '0.0.0.0' || ip === '::';
}

/** The address a process on this machine uses to reach a listener bound to `ip`. */
export function loopbackFor(ip: string): string {
  if (isWildcardIp(ip)) return ip === '::' ? '::1' : '127.0.0.1';
  return ip;
}

/** Names JupyterHub.proxy_class may take: the CHP-API proxy is the only implementation. */
const PROXY_CLASSES = new Set([
  'configurable-http-proxy',
  'configurable_http_proxy',
  'ConfigurableHTTPProxy',
  'jupyterhub.proxy.ConfigurableHTTPProxy',
]);

/** JupyterHub.log_level (Python names or numbers) as a pino level. */
export function pinoLevel(v: unknown): string {
  if (typeof v === 'number') {
    if (v <= 10) return 'debug';
    if (v <= 20) return 'info';
    if (v <= 30) return 'warn';
    if (v <= 40) return 'error';
    return 'fatal';
  }
  const name = String(v ?? 'INFO').toUpperCase();
  if (name === 'WARNING' || name === 'WARN') return 'warn';
  if (name === 'CRITICAL') return 'fatal';
  return name.toLowerCase();
}

/** `http://host:port[/…]` of JupyterHub.hub_bind_url → the address the hub listens on. */
function hubBind(url: string): { ip: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    u = new URL('invalid:');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.hub_bind_url: expected a URL like http://127.0.0.1:8081, received ${JSON.stringify(url)}. Fix it, or set hub_ip and hub_port instead.`,
    );
  return {
    ip: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
  };
}

/** `<connect url>/hub/api`, whether or not the configured URL already ends in /hub/. */
function apiUrlOf(connectUrl: string): string {
  return `${connectUrl.replace(/\/$/, '')}/hub/api`.replace(/\/hub\/hub\/api$/, '/hub/api');
}

function normBase(b: string): string {
  let s = b || '/';
  if (!s.startsWith('/')) s = '/' + s;
  if (!s.endsWith('/')) s += '/';
  return s;
}

/** Resolve the validated config into the hub's settings. */
export function settingsFromConfig(config: HubConfig, resolvedAuthenticatorId: string): Settings {
  const hub = config.JupyterHub as unknown as Loose;
  const spawnerId = str(hub.spawner_class, 'localprocess');
  const spawnerClass = classForId(spawnerId) ?? 'LocalProcessSpawner';
  const sp = traitsFor<Loose>(config, classChain(spawnerClass));
  const authClass = classForId(resolvedAuthenticatorId) ?? 'Authenticator';
  const auth: Loose = { ...traitsFor<Loose>(config, classChain(authClass)) };
  // labhub default: users already in the hub database (added by an admin, by --admin, or by the
  // config) may log in, unless allow_existing_users is set explicitly. Only admins and the config
  // put users in the database, so this never opens the hub to strangers.
  if (!classChain(authClass).some((c) => isExplicit(config, c, 'allow_existing_users')))
    auth.allow_existing_users = true;
  // allow_all's default depends on the authenticator (DummyAuthenticator: true unless
  // allowed_users is set, as in JupyterHub 5+): leave it to the policy unless the config set it.
  if (!classChain(authClass).some((c) => isExplicit(config, c, 'allow_all'))) delete auth.allow_all;
  const proxy = config.ConfigurableHTTPProxy as unknown as Loose;
  const lab = config.Labhub as unknown as Loose;
  const baseUrl = normBase(str(hub.base_url, '/'));
  const proxyClass = str(hub.proxy_class, 'configurable-http-proxy');
  if (!PROXY_CLASSES.has(proxyClass))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.proxy_class = ${JSON.stringify(proxyClass)} is not a proxy labhub has: only configurable-http-proxy exists (it drives labhub-proxy, or configurable-http-proxy given in ConfigurableHTTPProxy.command). Remove proxy_class.`,
    );
  const bind = str(hub.hub_bind_url) ? hubBind(str(hub.hub_bind_url)) : null;
  const hubIp = bind?.ip ?? str(hub.hub_ip, '127.0.0.1');
  const hubPort = bind?.port ?? num(hub.hub_port, 8081);
  const connectHost = str(hub.hub_connect_ip) || loopbackFor(hubIp);
  const hostPart = connectHost.includes(':') ? `[${connectHost}]` : connectHost;
  const hubApiUrl = str(hub.hub_connect_url)
    ? apiUrlOf(str(hub.hub_connect_url))
    : `http://${hostPart}:${hubPort}${baseUrl}hub/api`;
  const services: ServiceSettings[] = (
    Array.isArray(hub.services) ? (hub.services as Loose[]) : []
  ).map((s) => {
    // A service's OAuth client is always `service-<name>` here (permissions map it back).
    if (str(s.oauth_client_id) && str(s.oauth_client_id) !== `service-${str(s.name)}`)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.services[${str(s.name)}].oauth_client_id = ${JSON.stringify(s.oauth_client_id)}: labhub names a service's OAuth client service-${str(s.name)}. Remove oauth_client_id or set it to that.`,
      );
    return {
      name: str(s.name),
      apiToken: str(s.api_token) || null,
      url: str(s.url) || null,
      command: Array.isArray(s.command) ? strList(s.command) : null,
      environment: strMap(s.environment),
      cwd: str(s.cwd) || null,
      user: str(s.user) || null,
      oauthClientAllowedScopes: strList(s.oauth_client_allowed_scopes),
      oauthNoConfirm: s.oauth_no_confirm === true,
      oauthRedirectUri: str(s.oauth_redirect_uri) || null,
      display: s.display !== false,
      info: (s.info as Record<string, unknown>) ?? {},
      admin: s.admin === true,
    };
  });
  const loadRoles: RoleSettings[] = (
    Array.isArray(hub.load_roles) ? (hub.load_roles as Loose[]) : []
  ).map((r) => ({
    name: str(r.name),
    description: str(r.description),
    scopes: strList(r.scopes),
    users: strList(r.users),
    groups: strList(r.groups),
    services: strList(r.services),
  }));
  const loadGroups: Settings['loadGroups'] = {};
  for (const [g, v] of Object.entries((hub.load_groups as Loose) ?? {})) {
    const val = v as Loose;
    loadGroups[g] = {
      users: strList(val?.users),
      properties: (val?.properties as Record<string, unknown>) ?? {},
    };
  }
  const culler = (lab.idle_culler as Loose) ?? {};
  const rate = (lab.login_rate_limit as Loose) ?? {};
  const proxyCmd = proxy.command;
  return {
    jupyterhubVersion: JUPYTERHUB_VERSION,
    labhubVersion: LABHUB_VERSION,
    baseUrl,
    hubPrefix: `${baseUrl}hub/`,
    ip: str(hub.ip),
    port: num(hub.port, 8000),
    hubIp,
    hubPort,
    hubApiUrl,
    publicUrl: str(hub.public_url) || null,
    cookieSecretFile: str(hub.cookie_secret_file, 'jupyterhub_cookie_secret'),
    cookieMaxAgeDays: num(hub.cookie_max_age_days, 14),
    dbUrl: str(hub.db_url, 'sqlite:///jupyterhub.sqlite'),
    authenticatorOptions: auth,
    spawnerClass: spawnerId,
    spawner: {
      cmd: Array.isArray(sp.cmd)
        ? strList(sp.cmd)
        : typeof sp.cmd === 'string'
          ? [sp.cmd]
          : ['jupyterhub-singleuser'],
      args: strList(sp.args),
      notebookDir: str(sp.notebook_dir),
      defaultUrl: str(sp.default_url),
      environment: strMap(sp.environment),
      envKeep: Array.isArray(sp.env_keep) ? strList(sp.env_keep) : null,
      ip: str(sp.ip, '127.0.0.1'),
      port: num(sp.port, 0),
      startTimeout: num(sp.start_timeout, 60),
      httpTimeout: num(sp.http_timeout, 30),
      pollInterval: num(sp.poll_interval, 30),
      memLimit: typeof sp.mem_limit === 'number' ? sp.mem_limit : null,
      cpuLimit: typeof sp.cpu_limit === 'number' ? sp.cpu_limit : null,
      debug: sp.debug === true,
      disableUserConfig: sp.disable_user_config === true,
      serverTokenScopes: strList(sp.server_token_scopes),
      oauthClientAllowedScopes: strList(sp.oauth_client_allowed_scopes),
      oauthAccessScopes: strList(sp.oauth_access_scopes),
      hubApiUrl: str(sp.hub_connect_url) ? apiUrlOf(str(sp.hub_connect_url)) : null,
      extra: { ...sp },
    },
    proxy: {
      apiUrl: str(proxy.api_url, 'http://127.0.0.1:8001'),
      authToken: str(proxy.auth_token),
      // The default ['labhub-proxy'] means the bundled proxy, run by this node (no PATH lookup).
      command:
        Array.isArray(proxyCmd) &&
        proxyCmd.length &&
        !(proxyCmd.length === 1 && proxyCmd[0] === 'labhub-proxy')
          ? strList(proxyCmd)
          : typeof proxyCmd === 'string' && proxyCmd && proxyCmd !== 'labhub-proxy'
            ? [proxyCmd]
            : null,
      shouldStart: proxy.should_start !== false,
      checkInterval: num(proxy.check_running_interval, 5),
      pidFile: str(proxy.pid_file, 'jupyterhub-proxy.pid'),
      debug: proxy.debug === true,
    },
    allowNamedServers: hub.allow_named_servers === true,
    namedServerLimitPerUser: num(hub.named_server_limit_per_user, 0),
    concurrentSpawnLimit: num(hub.concurrent_spawn_limit, 100),
    activeServerLimit: num(hub.active_server_limit, 0),
    pageDefaultLimit: num(hub.api_page_default_limit, 50),
    pageMaxLimit: num(hub.api_page_max_limit, 200),
    activityResolution: num(hub.activity_resolution, 30),
    lastActivityInterval: num(hub.last_activity_interval, 300),
    redirectToServer: hub.redirect_to_server !== false,
    defaultUrl: str(hub.default_url),
    shutdownOnLogout: hub.shutdown_on_logout === true,
    authenticatePrometheus: hub.authenticate_prometheus !== false,
    oauthTokenExpiresIn: num(hub.oauth_token_expires_in, 14 * 86400),
    oauthRequirePkce: hub.oauth_require_pkce === true,
    tokenExpiresInMaxSeconds: num(hub.token_expires_in_max_seconds, 0),
    services,
    loadRoles,
    loadGroups,
    adminUsers: strList(auth.admin_users),
    extraUserScopes: strList(hub.extra_user_scopes),
    customScopes: ((hub.custom_scopes as Record<string, { description: string }>) ??
      {}) as Settings['customScopes'],
    sslCert: str(hub.ssl_cert) || null,
    sslKey: str(hub.ssl_key) || null,
    statsd: {
      host: str(hub.statsd_host) || null,
      port: num(hub.statsd_port, 8125),
      prefix: str(hub.statsd_prefix, 'jupyterhub'),
    },
    templatePaths: strList(hub.template_paths),
    logoFile: str(hub.logo_file) || null,
    implicitSpawnSeconds: num(hub.implicit_spawn_seconds, 0),
    idleCuller: {
      enabled: culler.enabled === true,
      timeout: num(culler.timeout, 3600),
      interval: num(culler.interval, 300),
      maxAge: num(culler.max_age, 0),
      cullUsers: culler.cull_users === true,
    },
    userEnvDir: str(lab.user_env_dir) || null,
    userEnvRequirements: str(lab.user_env_requirements) || null,
    serverLogDir: str(lab.server_log_dir) || null,
    cleanupServers: hub.cleanup_servers === true,
    cleanupProxy: hub.cleanup_proxy === true,
    logLevel: pinoLevel(hub.log_level),
    loginRateLimit: {
      perUser: num(rate.per_user, 5),
      perIp: num(rate.per_ip, 30),
      windowSeconds: num(rate.window_seconds, 300),
    },
    generateSelfSignedCert: lab.generate_self_signed_cert === true,
    httpRedirectPort: num(lab.http_redirect_port, 0),
  };
}
