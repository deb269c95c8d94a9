/**
 * The config walk shared by src/core/config-keys-used.test.ts (every key is read) and
 * src/core/settings-defaults.test.ts (an empty config gives the schema's defaults): a
 * distinctive value per trait, and settings resolved from a config with that value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import type { ClassName } from '../../src/config/schema.js';
import {
  groupSchema,
  jupyterHubTraits,
  roleSchema,
  serviceSchema,
} from '../../src/config/schema-hub.js';
import { labhubTraits } from '../../src/config/schema-classes.js';
import { objectFields } from '../../src/config/schema-util.js';
import { settingsFromConfig } from '../../src/core/settings-from-config.js';

const EMPTY = mkdtempSync(join(tmpdir(), 'labhub-keys-'));
process.on('exit', () => rmSync(EMPTY, { recursive: true, force: true }));

/** The authenticator whose config chain contains the class (other classes: the dummy one). */
const AUTH_FOR: Partial<Record<ClassName, string>> = {
  LocalAuthenticator: 'pam',
  PAMAuthenticator: 'pam',
  NativeAuthenticator: 'native',
  LDAPAuthenticator: 'ldap',
  OAuthenticator: 'generic-oauth',
  GenericOAuthenticator: 'generic-oauth',
  OpenIDOAuthenticator: 'openid',
  GitHubOAuthenticator: 'github',
  GitLabOAuthenticator: 'gitlab',
  GoogleOAuthenticator: 'google',
  AzureAdOAuthenticator: 'azuread',
  MultiAuthenticator: 'multi',
};

/** Classes whose traits only count when the spawner is that class: the spawner_class to set. */
const SPAWNER_FOR: Partial<Record<ClassName, string>> = {
  SimpleLocalProcessSpawner: 'simple',
  KubeSpawner: 'kubernetes',
  DockerSpawner: 'docker',
};

/** Values the generic rule below cannot make (enums, URLs, nullable defaults, objects). */
const SPECIAL: Record<string, unknown> = {
  'JupyterHub.bind_url': 'http://10.9.8.7:4321/zq/',
  'JupyterHub.hub_bind_url': 'http://127.0.0.9:4322',
  'JupyterHub.hub_connect_url': 'http://zq.example:4323',
  'JupyterHub.log_level': 'DEBUG',
  'JupyterHub.oauth_token_expires_in': 4242,
  'JupyterHub.services': [{ name: 'zq-svc' }],
  'JupyterHub.load_roles': [{ name: 'zq-role' }],
  'JupyterHub.load_groups': { zq: {} },
  'JupyterHub.custom_scopes': { 'custom:zq': { description: 'zq' } },
  'Authenticator.allow_existing_users': false,
  'Authenticator.username_map': { a: 'zq' },
  'Spawner.environment': { ZQ: '1' },
  'Spawner.mem_limit': '3G',
  'Spawner.cpu_limit': 1.5,
  'Spawner.profile_list': [{ display_name: 'zq', slug: 'zq' }],
  'Spawner.run_as_user': 'self',
  'Spawner.user_env': 'off',
  'Spawner.hub_connect_url': 'http://zq.example:4324',
  ...kubeSpawnerSpecial(),
  'ConfigurableHTTPProxy.api_url': 'http://127.0.0.1:4325',
  'Labhub.idle_culler': { enabled: true },
  'Labhub.login_rate_limit': { per_user: 4242 },
  'LDAPAuthenticator.server_port': 4389,
  'LDAPAuthenticator.tls_strategy': 'on_connect',
  'LDAPAuthenticator.use_ssl': true,
  'LDAPAuthenticator.tls_kwargs': { ca_certs_file: '/zq/ca.pem' },
  'LDAPAuthenticator.user_search_base': 'ou=zq',
  'LDAPAuthenticator.user_attribute': 'zqAttr',
  'LDAPAuthenticator.lookup_dn_search_user': 'cn=zq',
  'LDAPAuthenticator.lookup_dn_search_password': 'zq-pw',
  'LDAPAuthenticator.lookup_dn_user_dn_attribute': 'zqDn',
  'LDAPAuthenticator.allowed_groups': ['cn=zq'],
  'Labhub.letsencrypt': { domains: ['zq.example.org'], challenge: 'tls-alpn-01' },
  'Labhub.usage': { sample_interval: 4242, monthly_server_hours_per_group: { zq: 1 } },
  'Labhub.high_availability': { replica_timeout: 4242 },
  'Labhub.proxy_engine': 'haproxy',
  'OAuthenticator.extra_authorize_params': { zq: '1' },
  'OAuthenticator.token_params': { zq: '1' },
  'OAuthenticator.auth_state_env': { ZQ: 'access_token' },
  'MultiAuthenticator.authenticators': [{ authenticator_class: 'dummy' }],
  'DockerSpawner.allowed_images': ['zq/img:1'],
  'DockerSpawner.pull_policy': 'never',
  'DockerSpawner.use_internal_ip': true,
  'DockerSpawner.volumes': { zq: '/zq' },
  'DockerSpawner.read_only_volumes': { '/zq': '/zq-ro' },
  'DockerSpawner.extra_host_config': { zq: 1 },
  'DockerSpawner.extra_create_kwargs': { zq: 1 },
  'DockerSpawner.client_kwargs': { base_url: 'unix:///zq.sock' },
};

/** Keys read before the settings exist, with the file that reads them (checked below). */
export const READ_BEFORE_SETTINGS: Record<string, string> = {
  // Picks the authenticator plugin; its resolved id is settingsFromConfig's second argument.
  'JupyterHub.authenticator_class': 'auth/choice.ts',
};

/** KubeSpawner traits whose default (null, {}, [] of mappings, enums) the generic rule cannot vary. */
function kubeSpawnerSpecial(): Record<string, unknown> {
  const dict = { zq: 'zq' };
  const dicts = [{ name: 'zq' }];
  const v: Record<string, unknown> = {
    environment: { ZQ: '1' },
    image_pull_policy: 'Always',
    cpu_guarantee: 0.25,
    mem_guarantee: '1G',
    uid: 4242,
    gid: 4243,
    fs_gid: 4244,
    supplemental_gids: [4245],
    working_dir: '/zq',
    storage_capacity: '1Gi',
    storage_class: 'zq',
    slug_scheme: 'escape',
    service_account: 'zq',
    automount_service_account_token: true,
    scheduler_name: 'zq',
  };
  for (const k of ['extra_resource_limits', 'extra_resource_guarantees', 'node_selector'])
    v[k] = dict;
  for (const k of ['storage_extra_labels', 'storage_extra_annotations', 'common_labels'])
    v[k] = dict;
  for (const k of ['extra_labels', 'extra_annotations']) v[k] = dict;
  for (const k of ['container_security_context', 'pod_security_context', 'storage_selector'])
    v[k] = dict;
  for (const k of ['lifecycle_hooks', 'extra_pod_config', 'extra_container_config']) v[k] = dict;
  for (const k of [
    'tolerations',
    'node_affinity_preferred',
    'node_affinity_required',
    'pod_affinity_preferred',
    'pod_affinity_required',
    'pod_anti_affinity_preferred',
    'pod_anti_affinity_required',
    'volumes',
    'volume_mounts',
    'init_containers',
    'extra_containers',
  ])
    v[k] = dicts;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [`KubeSpawner.${k}`, x]));
}

let counter = 0;
export function distinct(key: string, dflt: unknown): unknown {
  counter++;
  if (key in SPECIAL) return SPECIAL[key];
  if (typeof dflt === 'boolean') return !dflt;
  if (typeof dflt === 'number') return 4000 + counter;
  if (typeof dflt === 'string') return `zq-${counter}`;
  if (Array.isArray(dflt)) return [`zq-${counter}`];
  throw new Error(`${key}: add a distinctive value to SPECIAL (default ${JSON.stringify(dflt)})`);
}

export function resolve(cls: ClassName, overrides: Record<string, Record<string, unknown>>) {
  const spawner = SPAWNER_FOR[cls];
  if (spawner)
    overrides = { ...overrides, JupyterHub: { ...overrides.JupyterHub, spawner_class: spawner } };
  // Authenticator.enable_auth_state & co. are refused with the default (PAM or native) login.
  if (cls === 'Authenticator')
    overrides = {
      ...overrides,
      JupyterHub: { ...overrides.JupyterHub, authenticator_class: 'generic-oauth' },
    };
  const loaded = loadConfig({ cwd: EMPTY, overrides });
  return settingsFromConfig(loaded.config, AUTH_FOR[cls] ?? 'dummy') as unknown;
}

/** Nested objects whose fields are walked one by one: [base value, fields]. */
export const NESTED: Record<string, [unknown, string[], (f: string) => unknown]> = {
  'JupyterHub.services': [
    [{ name: 'zq' }],
    Object.keys(serviceSchema.shape).filter((f) => f !== 'name'),
    (f) => ({ name: 'zq', ...serviceField(f) }),
  ],
  'JupyterHub.load_roles': [
    [{ name: 'zq' }],
    Object.keys(roleSchema.shape).filter((f) => f !== 'name'),
    (f) => ({ name: 'zq', [f]: f === 'description' ? 'zq' : ['zq'] }),
  ],
  'JupyterHub.load_groups': [
    { zq: {} },
    Object.keys(groupSchema.shape),
    (f) => ({ zq: { [f]: f === 'users' ? ['zq'] : { zq: 1 } } }),
  ],
  'JupyterHub.custom_scopes': [
    { 'custom:zq': { description: 'zq' } },
    objectFields(jupyterHubTraits.custom_scopes),
    (f) => ({
      'custom:zq': { description: 'zq', [f]: f === 'description' ? 'zq2' : ['read:users'] },
    }),
  ],
  'Labhub.idle_culler': [
    {},
    objectFields(labhubTraits.idle_culler),
    (f) => ({ [f]: f === 'enabled' || f === 'cull_users' ? true : 4242 }),
  ],
  'Labhub.login_rate_limit': [
    {},
    objectFields(labhubTraits.login_rate_limit),
    (f) => ({ [f]: 4242 }),
  ],
  'Labhub.letsencrypt': [
    {},
    objectFields(labhubTraits.letsencrypt),
    (f) => ({
      [f]:
        f === 'domains'
          ? ['zq.example.org']
          : f === 'renew_days'
            ? 42
            : f === 'directory_url'
              ? 'https://zq.example.org/dir'
              : `zq-${f}`,
    }),
  ],
  'Labhub.usage': [
    {},
    objectFields(labhubTraits.usage),
    (f) => ({ [f]: f.endsWith('_per_group') ? { zq: 4242 } : 4242 }),
  ],
  'Labhub.high_availability': [
    {},
    objectFields(labhubTraits.high_availability),
    (f) => ({ [f]: f === 'proxy_api_urls' ? ['http://zq.example:4242'] : 4242 }),
  ],
};

function serviceField(f: string): Record<string, unknown> {
  const v: Record<string, unknown> = {
    api_token: 'zq-token-123456',
    url: 'http://127.0.0.1:4326',
    command: ['zq'],
    environment: { ZQ: '1' },
    user: 'zq',
    cwd: '/zq',
    oauth_client_id: 'zq-client',
    oauth_client_allowed_scopes: ['read:users'],
    oauth_no_confirm: true,
    oauth_redirect_uri: 'http://zq.example/cb',
    display: false,
    info: { zq: 1 },
    admin: true,
  };
  if (!(f in v)) throw new Error(`service field ${f}: add a distinctive value to serviceField`);
  return { [f]: v[f] };
}
