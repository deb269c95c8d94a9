/** Catalog of config warning codes (docs/config.md lists them; `labhub doctor` shows them). */
export const WARNING_CODES = {
  LABHUB_WARN_CONFIG_RENAMED:
    'A deprecated key was mapped to its current name. Rename it in the config.',
  LABHUB_WARN_CONFIG_GROUP_WHITELIST:
    'LocalAuthenticator.group_whitelist was honoured as allowed_groups (JupyterHub ignores it since 1.2).',
  LABHUB_WARN_CONFIG_IGNORED:
    'A deprecated no-op key, or parts of a value labhub cannot use, were ignored.',
  LABHUB_WARN_CONFIG_UNSUPPORTED:
    'A real JupyterHub setting that labhub does not support yet; it has no effect.',
  LABHUB_WARN_CONFIG_SET_OF_LETTERS:
    "`set('name')` (a set of letters in Python) was read as `{'name'}`.",
  LABHUB_WARN_CONFIG_OLD_FORM:
    'A value in an old form (e.g. load_groups `name: [users]`) was converted.',
  LABHUB_WARN_CONFIG_PERCENT_U: '`%U` in notebook_dir/default_url was read as `{username}`.',
  LABHUB_WARN_CONFIG_WILDCARD_IP: "(info) `ip = '*'` means all interfaces.",
  LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC:
    'hub_port is a public port while port is the default: hub_port is only the internal API port.',
  LABHUB_WARN_CONFIG_NOBODY_ALLOWED:
    'allowed_users is empty and nothing else allows anyone: only admins can log in.',
  LABHUB_WARN_CONFIG_STATSD_NO_HOST:
    'statsd_prefix is set without statsd_host: no statsd metrics are sent.',
  LABHUB_WARN_CONFIG_BIND_URL: 'bind_url and ip/port/base_url are both set; ip/port/base_url win.',
  LABHUB_WARN_CONFIG_SERVICE_ADMIN: 'A service uses the deprecated `admin` flag; use load_roles.',
} as const;

export type WarningCode = keyof typeof WARNING_CODES;
