/**
 * The hub's resolved settings: what the rest of the hub reads, in camelCase, derived once from
 * the validated configuration (config/) by `settingsFromConfig` (core/settings-from-config.ts),
 * and deeply frozen. The types follow the config schema; nothing here restates a trait.
 */
import type { Settings } from './settings-from-config.js';

export type { Settings } from './settings-from-config.js';
/** One entry of JupyterHub.services. */
export type ServiceSettings = Settings['services'][number];
/** One entry of JupyterHub.load_roles. */
export type RoleSettings = Settings['loadRoles'][number];
/** The spawner's settings (its class chain merged) and its option bag. */
export type SpawnerSettings = Settings['spawner'];
