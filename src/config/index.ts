/**
 * labhub configuration: JupyterHub's class/trait names, loaded from YAML, JSON, TOML or an
 * existing jupyterhub_config.py, validated once at boot and frozen. See docs/config.md.
 */
export {
  loadConfig,
  buildConfig,
  DEFAULT_CONFIG_FILES,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export { traitsFor, classChain, classForId, isExplicit } from './inherit.js';
export { renderConfigDocs } from './docs.js';
export { deepFreeze } from './freeze.js';
export { WARNING_CODES, type WarningCode } from './warnings.js';
export type { ConfigWarning } from './raw.js';
export type {
  HubConfig,
  ClassName,
  DeepReadonly,
  JupyterHubTraits,
  AuthenticatorTraits,
  LocalAuthenticatorTraits,
  PAMAuthenticatorTraits,
  DummyAuthenticatorTraits,
  NativeAuthenticatorTraits,
  SpawnerTraits,
  ConfigurableHTTPProxyTraits,
  LabhubTraits,
} from './schema.js';
export type { ServiceConfig, RoleConfig, GroupConfig } from './schema-hub.js';
