/**
 * The hub's settings, derived from the validated, typed config. Every value comes from the
 * schema (src/config/schema-*.ts), which holds every default: this file only renames traits to
 * camelCase and computes the values that combine several traits (URLs, the authenticator's
 * option bag). The result is deeply frozen; values found while the hub starts (bound port, TLS
 * files) live in RuntimeInfo (core/runtime-info.ts).
 */
import { createRequire } from 'node:module';
import type {
  AuthenticatorTraits,
  ConfigurableHTTPProxyTraits,
  DeepReadonly,
  HubConfig,
  JupyterHubTraits,
  LabhubTraits,
  SpawnerTraits,
} from '../config/index.js';
import { classChain, classForId, deepFreeze, isExplicit, traitsFor } from '../config/index.js';
import { proxyEngineFor } from './proxy-engine.js';
import { HubError } from '../errors.js';
import { findRegisteredSpawner } from '../spawner/registry.js';

/** The JupyterHub version labhub speaks on the wire (X-JupyterHub-Version, GET /hub/api). */
export const JUPYTERHUB_VERSION = '6.1.1';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const LABHUB_VERSION = pkg.version;

type Hub = DeepReadonly<JupyterHubTraits>;

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
export function pinoLevel(v: string | number): string {
  if (typeof v === 'number') {
    if (v <= 10) return 'debug';
    if (v <= 20) return 'info';
    if (v <= 30) return 'warn';
    if (v <= 40) return 'error';
    return 'fatal';
  }
  const name = v.toUpperCase();
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

/** Where the hub listens, and the URL servers and services use to reach its API. */
function hubAddress(hub: Hub) {
  const bind = hub.hub_bind_url ? hubBind(hub.hub_bind_url) : null;
  const hubIp = bind?.ip ?? hub.hub_ip;
  const hubPort = bind?.port ?? hub.hub_port;
  const connectHost = hub.hub_connect_ip || loopbackFor(hubIp);
  const hostPart = connectHost.includes(':') ? `[${connectHost}]` : connectHost;
  const hubApiUrl = hub.hub_connect_url
    ? apiUrlOf(hub.hub_connect_url)
    : `http://${hostPart}:${hubPort}${hub.base_url}hub/api`;
  return {
    hubIp,
    hubPort,
    /** How servers and services reach the hub API, e.g. http://127.0.0.1:8081/hub/api */
    hubApiUrl,
  };
}

/** One entry of JupyterHub.services; its OAuth client is always `service-<name>`. */
function serviceSettings(s: Hub['services'][number]) {
  if (s.oauth_client_id && s.oauth_client_id !== `service-${s.name}`)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.services[${s.name}].oauth_client_id = ${JSON.stringify(s.oauth_client_id)}: labhub names a service's OAuth client service-${s.name}. Remove oauth_client_id or set it to that.`,
    );
  return {
    name: s.name,
    apiToken: s.api_token || null,
    url: s.url || null,
    command: s.command ?? null,
    environment: s.environment,
    cwd: s.cwd || null,
    user: s.user || null,
    oauthClientAllowedScopes: s.oauth_client_allowed_scopes,
    oauthNoConfirm: s.oauth_no_confirm,
    oauthRedirectUri: s.oauth_redirect_uri || null,
    display: s.display,
    info: s.info,
    /** Deprecated `admin: true` on a service: grants the admin role (unset means no). */
    admin: s.admin === true,
  };
}

/** The spawner's traits (its class chain merged), typed ones in camelCase plus the whole bag. */
function spawnerSettings(sp: Readonly<SpawnerTraits>, spawnerClass: string) {
  // A spawner may derive the spawn page's form from its options (DockerSpawner's image choice
  // from allowed_images) when options_form is not set.
  const derivedForm = sp.options_form
    ? ''
    : (findRegisteredSpawner(spawnerClass)?.optionsForm?.({ ...sp }) ?? '');
  return {
    cmd: sp.cmd,
    args: sp.args,
    notebookDir: sp.notebook_dir,
    defaultUrl: sp.default_url,
    environment: sp.environment,
    envKeep: sp.env_keep,
    ip: sp.ip,
    port: sp.port,
    startTimeout: sp.start_timeout,
    httpTimeout: sp.http_timeout,
    pollInterval: sp.poll_interval,
    memLimit: sp.mem_limit,
    cpuLimit: sp.cpu_limit,
    debug: sp.debug,
    disableUserConfig: sp.disable_user_config,
    serverTokenScopes: sp.server_token_scopes,
    oauthClientAllowedScopes: sp.oauth_client_allowed_scopes,
    oauthAccessScopes: sp.oauth_access_scopes,
    /** JUPYTERHUB_API_URL for this spawner's servers when Spawner.hub_connect_url is set, else null. */
    hubApiUrl: sp.hub_connect_url ? apiUrlOf(sp.hub_connect_url) : null,
    /** Every trait of the spawner's config classes, for the plugin's own options. */
    extra: {
      ...sp,
      ...(derivedForm ? { options_form: derivedForm } : {}),
    } as Readonly<SpawnerTraits & Record<string, unknown>>,
  };
}

function proxySettings(proxy: DeepReadonly<ConfigurableHTTPProxyTraits>) {
  const cmd = proxy.command;
  return {
    apiUrl: proxy.api_url,
    authToken: proxy.auth_token,
    /** null: the bundled labhub-proxy (the default command), run by this node (no PATH lookup). */
    command: cmd.length && !(cmd.length === 1 && cmd[0] === 'labhub-proxy') ? cmd : null,
    shouldStart: proxy.should_start,
    checkInterval: proxy.check_running_interval,
    pidFile: proxy.pid_file,
    /** Start the proxy with `--log-level debug`. */
    debug: proxy.debug,
  };
}

/**
 * The authenticator's traits (its class chain merged). allow_all is left out unless the config
 * sets it: its default depends on the authenticator (DummyAuthenticator's is true unless
 * allowed_users is set), which the policy (auth/policy.ts) knows.
 */
function authenticatorOptions(config: HubConfig, authId: string) {
  const chain = classChain(classForId(authId) ?? 'Authenticator');
  const { allow_all, ...rest } = traitsFor<AuthenticatorTraits>(config, chain);
  const allowAllSet = chain.some((c) => isExplicit(config, c, 'allow_all'));
  return { ...rest, ...(allowAllSet ? { allow_all } : {}) } as Readonly<Record<string, unknown>>;
}

function labhubSettings(lab: DeepReadonly<LabhubTraits>) {
  const culler = lab.idle_culler;
  const rate = lab.login_rate_limit;
  const ha = lab.high_availability;
  return {
    highAvailability: {
      /** Seconds. */
      heartbeatInterval: ha.heartbeat_interval,
      /** Seconds. */
      replicaTimeout: ha.replica_timeout,
      proxyApiUrls: [...ha.proxy_api_urls],
    },
    idleCuller: {
      enabled: culler.enabled,
      timeout: culler.timeout,
      interval: culler.interval,
      maxAge: culler.max_age,
      cullUsers: culler.cull_users,
    },
    userEnvDir: lab.user_env_dir || null,
    /** Labhub.user_env_requirements, or null for labhub's own pins. */
    userEnvRequirements: lab.user_env_requirements || null,
    /** Labhub.shared_env_dir (the shared environment admins manage), or null when off. */
    sharedEnvDir: lab.shared_env_dir || null,
    /** Labhub.shared_env_python, or null to use the servers' jupyterhub-singleuser's. */
    sharedEnvPython: lab.shared_env_python || null,
    /** Labhub.server_log_dir, or null for the default (spawner/server-log.ts). */
    serverLogDir: lab.server_log_dir || null,
    loginRateLimit: {
      perUser: rate.per_user,
      perIp: rate.per_ip,
      windowSeconds: rate.window_seconds,
    },
    generateSelfSignedCert: lab.generate_self_signed_cert,
    /** Labhub.letsencrypt (ACME is on when `domains` is not empty; '' = the default). */
    acme: {
      email: lab.letsencrypt.email,
      domains: lab.letsencrypt.domains,
      directoryUrl: lab.letsencrypt.directory_url,
      directoryCaFile: lab.letsencrypt.directory_ca_file,
      renewDays: lab.letsencrypt.renew_days,
      stateDir: lab.letsencrypt.state_dir,
      /** The ACME challenge the CA validates: 'http-01' (port 80) or 'tls-alpn-01' (the HTTPS port). */
      challenge: lab.letsencrypt.challenge,
    },
    /** Labhub.http_redirect_port (0 = off). */
    httpRedirectPort: lab.http_redirect_port,
    /** Labhub.usage: the usage accounting (core/usage/). */
    usage: {
      sampleInterval: lab.usage.sample_interval,
      rawRetentionHours: lab.usage.raw_retention_hours,
      retentionDays: lab.usage.retention_days,
      hourlyRetentionDays: lab.usage.hourly_retention_days,
      monthlyServerHours: lab.usage.monthly_server_hours,
      monthlyServerHoursPerGroup: lab.usage.monthly_server_hours_per_group,
    },
    /** Labhub.proxy_engine: labhub-proxy's --engine (only for the bundled proxy command). */
    proxyEngine: proxyEngineFor(lab.proxy_engine, lab.letsencrypt),
  };
}

function buildSettings(config: HubConfig, authId: string) {
  const hub = config.JupyterHub;
  if (!PROXY_CLASSES.has(hub.proxy_class))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.proxy_class = ${JSON.stringify(hub.proxy_class)} is not a proxy labhub has: only configurable-http-proxy exists (it drives labhub-proxy, or configurable-http-proxy given in ConfigurableHTTPProxy.command). Remove proxy_class.`,
    );
  const spawnerClass = classForId(hub.spawner_class) ?? 'LocalProcessSpawner';
  const inContainers = serversInContainers(hub.spawner_class);
  if (config.Labhub.shared_env_dir && inContainers)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Labhub.shared_env_dir is set, but JupyterHub.spawner_class = ${JSON.stringify(hub.spawner_class)} runs servers in containers, which do not see it: put the packages in the image instead, or remove Labhub.shared_env_dir.`,
    );
  // The image brings the servers' Python: labhub's own environment would be built and never used.
  for (const key of ['user_env_dir', 'user_env_requirements'] as const)
    if (config.Labhub[key] && inContainers)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Labhub.${key} is set, but JupyterHub.spawner_class = ${JSON.stringify(hub.spawner_class)} runs servers in containers, which start jupyterhub-singleuser from their image, never from this environment: install JupyterLab and jupyterhub in the image instead, or remove Labhub.${key}.`,
      );
  const auth = authenticatorOptions(config, authId);
  return {
    /** The JupyterHub version labhub speaks (X-JupyterHub-Version). */
    jupyterhubVersion: JUPYTERHUB_VERSION,
    labhubVersion: LABHUB_VERSION,
    baseUrl: hub.base_url,
    hubPrefix: `${hub.base_url}hub/`,
    /** Where users connect (the proxy): '' / '0.0.0.0' / '*' = all interfaces. */
    ip: hub.ip,
    port: hub.port,
    ...hubAddress(hub),
    publicUrl: hub.public_url || null,
    cookieSecretFile: hub.cookie_secret_file,
    cookieMaxAgeDays: hub.cookie_max_age_days,
    dbUrl: hub.db_url,
    authenticatorOptions: auth,
    spawnerClass: hub.spawner_class,
    spawner: spawnerSettings(
      traitsFor<SpawnerTraits>(config, classChain(spawnerClass)),
      hub.spawner_class,
    ),
    proxy: proxySettings(config.ConfigurableHTTPProxy),
    allowNamedServers: hub.allow_named_servers,
    namedServerLimitPerUser: hub.named_server_limit_per_user,
    concurrentSpawnLimit: hub.concurrent_spawn_limit,
    activeServerLimit: hub.active_server_limit,
    pageDefaultLimit: hub.api_page_default_limit,
    pageMaxLimit: hub.api_page_max_limit,
    activityResolution: hub.activity_resolution,
    lastActivityInterval: hub.last_activity_interval,
    redirectToServer: hub.redirect_to_server,
    defaultUrl: hub.default_url,
    shutdownOnLogout: hub.shutdown_on_logout,
    authenticatePrometheus: hub.authenticate_prometheus,
    oauthTokenExpiresIn: hub.oauth_token_expires_in,
    oauthRequirePkce: hub.oauth_require_pkce,
    tokenExpiresInMaxSeconds: hub.token_expires_in_max_seconds,
    services: hub.services.map(serviceSettings),
    loadRoles: hub.load_roles,
    loadGroups: hub.load_groups,
    adminUsers: auth.admin_users as readonly string[],
    extraUserScopes: hub.extra_user_scopes,
    customScopes: hub.custom_scopes,
    sslCert: hub.ssl_cert || null,
    sslKey: hub.ssl_key || null,
    statsd: { host: hub.statsd_host || null, port: hub.statsd_port, prefix: hub.statsd_prefix },
    templatePaths: hub.template_paths,
    logoFile: hub.logo_file || null,
    implicitSpawnSeconds: hub.implicit_spawn_seconds,
    /** Stop user servers when the hub stops (JupyterHub.cleanup_servers). */
    cleanupServers: hub.cleanup_servers,
    /** Stop a labhub-started proxy when the hub stops (JupyterHub.cleanup_proxy). */
    cleanupProxy: hub.cleanup_proxy,
    /** pino level from JupyterHub.log_level: debug, info, warn, error or fatal. */
    logLevel: pinoLevel(hub.log_level),
    ...labhubSettings(config.Labhub),
  };
}

/** The hub's settings as read from `config`, deeply frozen. */
export type Settings = DeepReadonly<ReturnType<typeof buildSettings>>;

/** The spawner class runs servers in containers, from their image's Python (not labhub's own). */
export function serversInContainers(spawnerClass: string): boolean {
  const id = findRegisteredSpawner(spawnerClass)?.id;
  return !!id && !id.includes('local-process');
}

/**
 * Resolve the validated config into the hub's settings (deeply frozen).
 * @param resolvedAuthenticatorId the authenticator in use (auth/choice.ts), whose class chain
 *   gives the authenticator options.
 * @throws HubError LABHUB_ERR_CONFIG for a proxy_class, hub_bind_url or service OAuth client
 *   labhub does not have.
 */
export function settingsFromConfig(config: HubConfig, resolvedAuthenticatorId: string): Settings {
  return deepFreeze(buildSettings(config, resolvedAuthenticatorId));
}
