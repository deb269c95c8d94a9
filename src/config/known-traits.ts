/**
 * Real JupyterHub (and common plugin) config names that labhub recognises but does not
 * support yet. Setting one is a warning, not an error: the hub still starts, and the
 * operator learns the setting has no effect. Truly unknown names are errors (did-you-mean).
 */

import { kubeSpawnerRefused } from './schema-kubespawner.js';
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
  // Accessories of the refused NativeAuthenticator features below: no effect without them.
  NativeAuthenticator: [
    'recaptcha_secret',
    'secret_key',
    'self_approval_email',
    'self_approval_server',
    'firstuse_db_path',
    'delete_firstuse_db_after_import',
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
  SimpleLocalProcessSpawner: [],
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
  SwarmSpawner: 'a Docker Swarm spawner',
  SystemdSpawner: 'a systemd spawner (planned)',
  BatchSpawnerBase: 'batch-system spawners',
  SlurmSpawner: 'batch-system spawners',
  SudoSpawner: 'a sudo-based spawner',
  WrapSpawner: 'wrapped spawners',
  ProfilesSpawner: 'wrapped spawners',
  CILogonOAuthenticator: 'CILogon login',
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

/**
 * Real settings labhub does not implement and refuses (the hub does not start) instead of
 * ignoring, because running without them would silently change what the operator relies on: who
 * can sign up or sign in, data to import, how servers start, what the pages send. Setting one to its "off" value (false, empty) is accepted.
 * Value: what the setting does, for the error message.
 */
export const REFUSED_TRAITS: Record<string, Record<string, string>> = {
  NativeAuthenticator: {
    allow_2fa: 'two-factor codes at sign-up and login',
    tos: 'a terms-of-service checkbox on the sign-up page',
    recaptcha_key: 'a reCAPTCHA on the sign-up page',
    allow_self_approval_for: 'approval of sign-ups by an e-mailed link',
    import_from_firstuse: 'importing FirstUseAuthenticator accounts',
  },
  // Documented JupyterHub settings no labhub code read: refused, so nobody relies on them.
  JupyterHub: {
    cookie_host_prefix_enabled: 'the __Host- prefix on login cookies',
    tornado_settings: 'tornado web-server settings, e.g. extra response headers',
  },
  Authenticator: {
    auto_login: 'going straight to an external login, skipping the login page',
    delete_invalid_users: 'deleting users who are no longer allowed, at start',
  },
  Spawner: {
    shell_cmd: 'starting the server through a shell',
    popen_kwargs: 'Python subprocess options',
  },
  Labhub: { languages: 'choosing which UI languages are offered' },
  LDAPAuthenticator: {
    group_search_base:
      "searching all of a user's LDAP groups under a base, an unreleased ldapauthenticator feature (not in 2.x) for manage_groups",
  },
  KubeSpawner: kubeSpawnerRefused,
};

/** What to do instead of one refused setting (looked up on its class and the ancestors). */
export const REFUSED_KEY_HINTS: Record<string, string> = {
  'JupyterHub.cookie_host_prefix_enabled':
    "labhub's cookies keep their plain names (jupyterhub-hub-login, jupyterhub-session-id) and are host-only (no Domain attribute)",
  'JupyterHub.tornado_settings':
    'labhub is not tornado and sets its own security headers; add other response headers in the web server in front of labhub',
  'Authenticator.auto_login':
    "labhub's login page is its own form, there is no external login to jump to yet",
  'Authenticator.delete_invalid_users':
    'users who are no longer allowed are refused at every login; delete their records on the admin page or with DELETE /hub/api/users/{name}',
  'Authenticator.enable_auth_state':
    "PAM, native, dummy and LDAP keep no auth state (LDAP's groups and attributes are not stored); it applies to the OAuth / OpenID Connect logins (authenticator_class openid, generic-oauth, github, …; see docs/authentication.md)",
  'Authenticator.manage_groups':
    'define groups with JupyterHub.load_groups or on the admin page; LocalAuthenticator.allowed_groups checks Linux groups at each login; manage_groups applies to the OAuth / OpenID Connect logins',
  'Authenticator.refresh_pre_spawn':
    'only the OAuth / OpenID Connect logins have tokens to refresh before a server starts',
  'Spawner.shell_cmd':
    'set Spawner.cmd to a wrapper script that prepares the environment and then execs jupyterhub-singleuser',
  'Spawner.popen_kwargs':
    'use Spawner.notebook_dir for the working directory and Spawner.environment for variables',
  'LDAPAuthenticator.group_search_base':
    'list the DNs of the groups whose members may log in in LDAPAuthenticator.allowed_groups; each is checked with group_search_filter',
  'Labhub.languages':
    'every bundled translation (English, Chinese) is offered; pages follow Accept-Language and the language switch',
};

/** What the refused settings' users can do instead. */
export const REFUSED_HINT: Record<string, string> = {
  KubeSpawner:
    'Remove it (or set it to false/empty); docs/kubernetes.md lists the KubeSpawner keys labhub implements',
  NativeAuthenticator:
    'Remove it (or set it to false/empty). labhub implements enable_signup, open_signup, ask_email_on_signup, check_common_password, minimum_password_length, allowed_failed_logins and seconds_before_next_try; an admin approves sign-ups on /hub/signups',
};

/** What to do instead of a refused `Class.trait`: its own hint, else its class's, else remove it. */
export function refusedHint(chain: readonly string[], trait: string): string {
  for (const c of [...chain].reverse()) {
    const h = REFUSED_KEY_HINTS[`${c}.${trait}`];
    if (h) return `Remove it (or set it to false/empty); ${h}`;
  }
  return REFUSED_HINT[chain.find((c) => REFUSED_HINT[c]) ?? ''] ?? 'Remove it';
}

/** The reason `Class.trait` (or a parent class's trait) is refused, or undefined. */
export function refusedReason(chain: readonly string[], trait: string): string | undefined {
  for (const c of chain) {
    const r = REFUSED_TRAITS[c]?.[trait];
    if (r) return r;
  }
  return undefined;
}

/** True for values that leave a refused feature off: false, null, '', [], {}. */
export function isOffValue(v: unknown): boolean {
  if (v === false || v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0 || v.every((x) => x === '');
  if (v instanceof Set) return v.size === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

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

/** The hint for an unsupported `Class.trait`, looked up on the class and its ancestors. */
export function unsupportedHint(chain: readonly string[], trait: string): string | undefined {
  for (const c of [...chain].reverse()) {
    const h = UNSUPPORTED_HINTS[`${c}.${trait}`];
    if (h) return h;
  }
  return undefined;
}
