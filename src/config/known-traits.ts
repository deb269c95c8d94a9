/**
 * Real JupyterHub (and common plugin) config names that labhub recognises but does not
 * support yet. Setting one is a warning, not an error: the hub still starts, and the
 * operator learns the setting has no effect. Truly unknown names are errors (did-you-mean).
 */

/** Traits per JupyterHub class that labhub accepts with a "not supported yet" warning. */
export const UNSUPPORTED_TRAITS: Record<string, readonly string[]> = {
  JupyterHub: [
    'allow_existing_invalid_named_servers',
    'answer_yes',
    'api_tokens',
    'config_file',
    'cookie_secret',
    'data_files_path',
    'db_kwargs',
    'debug_db',
    'default_server_name',
    'external_ssl_authorities',
    'extra_handlers',
    'extra_log_handlers',
    'forwarded_host_header',
    'generate_certs',
    'generate_config',
    'hub_routespec',
    'init_spawners_timeout',
    'internal_certs_location',
    'internal_ssl',
    'internal_ssl_authorities',
    'internal_ssl_components_trust',
    'jinja_environment_options',
    'log_datefmt',
    'log_format',
    'pid_file',
    'recreate_csp',
    'reset_db',
    'service_check_interval',
    'service_waiting_interval',
    'show_config',
    'show_config_json',
    'spawn_throttle_retry_range',
    'subdomain_host',
    'subdomain_hook',
    'template_vars',
    'trust_user_provided_tokens',
    'trusted_alt_names',
    'trusted_downstream_ips',
    'upgrade_db',
    'use_legacy_stopped_server_status_code',
    'user_redirect_hook',
    'logging_config',
    'active_user_window',
  ],
  Authenticator: [
    'auth_refresh_age',
    'refresh_pre_spawn',
    'post_auth_hook',
    'otp_prompt',
    'request_otp',
    'manage_roles',
    'reset_managed_roles_on_startup',
    'custom_html',
    'login_service',
    'auto_login_oauth2_authorize',
  ],
  LocalAuthenticator: ['uids'],
  PAMAuthenticator: ['pam_normalize_username', 'executor_threads'],
  DummyAuthenticator: [],
  NativeAuthenticator: [
    'ask_email_on_signup',
    'check_common_password',
    'enable_signup',
    'allow_2fa',
    'import_from_firstuse',
    'firstuse_db_path',
    'firstuse_dbm_path',
    'delete_firstuse_db_after_import',
    'tos',
    'recaptcha_key',
    'recaptcha_secret',
    'self_approval_email',
    'self_approval_server',
    'allow_self_approval_for',
  ],
  Spawner: [
    'auth_state_hook',
    'pre_spawn_hook',
    'post_stop_hook',
    'modify_pre_spawn_hook',
    'consecutive_failure_limit',
    'cpu_guarantee',
    'mem_guarantee',
    'group_overrides',
    'options_from_form',
    'progress_ready_hook',
    'ssl_alt_ips',
    'ssl_alt_names',
    'will_resume',
    'apply_user_options',
    'poll_jitter',
  ],
  LocalProcessSpawner: [],
  SimpleLocalProcessSpawner: ['home_dir_template'],
  ConfigurableHTTPProxy: ['concurrency', 'extra_routes'],
  Labhub: [],
};

/**
 * Whole classes from JupyterHub or common plugins that labhub does not implement yet.
 * Any trait under them is a warning.
 */
export const UNSUPPORTED_CLASSES: Record<string, string> = {
  Proxy: 'the proxy base class; use ConfigurableHTTPProxy',
  CryptKeeper: 'auth state encryption',
  DockerSpawner: 'a Docker spawner (planned)',
  SwarmSpawner: 'a Docker Swarm spawner',
  SystemdSpawner: 'a systemd spawner (planned)',
  KubeSpawner: 'a Kubernetes spawner (planned)',
  BatchSpawnerBase: 'batch-system spawners',
  SlurmSpawner: 'batch-system spawners',
  SudoSpawner: 'a sudo-based spawner',
  WrapSpawner: 'wrapped spawners',
  ProfilesSpawner: 'wrapped spawners',
  OAuthenticator: 'OAuth login (planned)',
  GenericOAuthenticator: 'OAuth/OpenID Connect login (planned)',
  GitHubOAuthenticator: 'GitHub login (planned)',
  GitLabOAuthenticator: 'GitLab login',
  GoogleOAuthenticator: 'Google login',
  AzureAdOAuthenticator: 'Azure AD login',
  CILogonOAuthenticator: 'CILogon login',
  LDAPAuthenticator: 'LDAP login',
  FirstUseAuthenticator: 'first-use passwords',
  TraefikProxy: 'the traefik proxy',
  TraefikFileProviderProxy: 'the traefik proxy',
  NullAuthenticator: 'no login at all',
  SharedPasswordAuthenticator: 'a shared password authenticator',
  ServerApp:
    'single-user server configuration (put it in the user environment, e.g. jupyter_server_config.py)',
  NotebookApp: 'single-user server configuration (put it in the user environment)',
  LabApp: 'single-user server configuration (put it in the user environment)',
  SingleUserNotebookApp: 'single-user server configuration (put it in the user environment)',
  Application: 'traitlets application settings',
};

/** What to use instead, for some unsupported settings. */
export const UNSUPPORTED_HINTS: Record<string, string> = {
  'JupyterHub.api_tokens':
    'give each token holder a service in JupyterHub.services with an api_token (tokens listed in api_tokens will NOT work)',
  'JupyterHub.cookie_secret':
    'put the secret in JupyterHub.cookie_secret_file or the JPY_COOKIE_SECRET environment variable',
  'JupyterHub.log_format': 'set LABHUB_LOG_FORMAT=text for plain-text logs',
  'JupyterHub.subdomain_host': 'serve users under paths (/user/<name>/) instead',
};

/** True when `Class.trait` is a real name labhub does not implement yet. */
export function isUnsupported(cls: string, trait: string): boolean {
  if (cls in UNSUPPORTED_CLASSES) return true;
  return (UNSUPPORTED_TRAITS[cls] ?? []).includes(trait);
}
