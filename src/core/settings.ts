/**
 * The hub's resolved settings: what the rest of the hub reads, in camelCase, computed once from
 * the validated configuration (config/) by `settingsFromConfig` (core/settings-from-config.ts).
 */
export interface ServiceSettings {
  name: string;
  apiToken: string | null;
  url: string | null;
  command: string[] | null;
  environment: Record<string, string>;
  cwd: string | null;
  user: string | null;
  oauthClientAllowedScopes: string[];
  oauthNoConfirm: boolean;
  oauthRedirectUri: string | null;
  display: boolean;
  info: Record<string, unknown>;
  /** Deprecated `admin: true` on a service: grants the admin role. */
  admin: boolean;
}

export interface RoleSettings {
  name: string;
  description: string;
  scopes: string[];
  users: string[];
  groups: string[];
  services: string[];
}

export interface SpawnerSettings {
  cmd: string[];
  args: string[];
  notebookDir: string;
  defaultUrl: string;
  environment: Record<string, string>;
  envKeep: string[] | null;
  ip: string;
  port: number;
  startTimeout: number;
  httpTimeout: number;
  pollInterval: number;
  memLimit: number | null;
  cpuLimit: number | null;
  debug: boolean;
  disableUserConfig: boolean;
  serverTokenScopes: string[];
  oauthClientAllowedScopes: string[];
  oauthAccessScopes: string[];
  /** JUPYTERHUB_API_URL for this spawner's servers when Spawner.hub_connect_url is set, else null. */
  hubApiUrl: string | null;
  /** Every trait of the spawner's config classes, for the plugin's own options. */
  extra: Record<string, unknown>;
}

export interface Settings {
  /** The JupyterHub version labhub speaks (X-JupyterHub-Version). */
  jupyterhubVersion: string;
  labhubVersion: string;
  baseUrl: string;
  hubPrefix: string;
  /** Where users connect (the proxy): '' / '0.0.0.0' / '*' = all interfaces. */
  ip: string;
  port: number;
  hubIp: string;
  hubPort: number;
  /** How servers and services reach the hub API, e.g. http://127.0.0.1:8081/hub/api */
  hubApiUrl: string;
  publicUrl: string | null;
  cookieSecretFile: string;
  cookieMaxAgeDays: number;
  dbUrl: string;
  authenticatorOptions: Record<string, unknown>;
  spawnerClass: string;
  spawner: SpawnerSettings;
  proxy: {
    apiUrl: string;
    authToken: string;
    command: string[] | null;
    shouldStart: boolean;
    checkInterval: number;
    pidFile: string;
    /** Start the proxy with `--log-level debug`. */
    debug: boolean;
  };
  allowNamedServers: boolean;
  namedServerLimitPerUser: number;
  concurrentSpawnLimit: number;
  activeServerLimit: number;
  pageDefaultLimit: number;
  pageMaxLimit: number;
  activityResolution: number;
  lastActivityInterval: number;
  redirectToServer: boolean;
  defaultUrl: string;
  shutdownOnLogout: boolean;
  authenticatePrometheus: boolean;
  oauthTokenExpiresIn: number;
  oauthRequirePkce: boolean;
  tokenExpiresInMaxSeconds: number;
  services: ServiceSettings[];
  loadRoles: RoleSettings[];
  loadGroups: Record<string, { users: string[]; properties: Record<string, unknown> }>;
  adminUsers: string[];
  extraUserScopes: string[];
  customScopes: Record<string, { description: string }>;
  sslCert: string | null;
  sslKey: string | null;
  statsd: { host: string | null; port: number; prefix: string };
  templatePaths: string[];
  logoFile: string | null;
  implicitSpawnSeconds: number;
  idleCuller: {
    enabled: boolean;
    timeout: number;
    interval: number;
    maxAge: number;
    cullUsers: boolean;
  };
  userEnvDir: string | null;
  /** Labhub.server_log_dir, or null for the default (spawner/server-log.ts). */
  serverLogDir: string | null;
  /** Labhub.user_env_requirements, or null for labhub's own pins. */
  userEnvRequirements: string | null;
  /** Stop user servers when the hub stops (JupyterHub.cleanup_servers). */
  cleanupServers: boolean;
  /** Stop a labhub-started proxy when the hub stops (JupyterHub.cleanup_proxy). */
  cleanupProxy: boolean;
  /** pino level from JupyterHub.log_level: debug, info, warn, error or fatal. */
  logLevel: string;
  /** Labhub.login_rate_limit. */
  loginRateLimit: { perUser: number; perIp: number; windowSeconds: number };
  /** Labhub.generate_self_signed_cert. */
  generateSelfSignedCert: boolean;
  /** Labhub.http_redirect_port (0 = off). */
  httpRedirectPort: number;
}
