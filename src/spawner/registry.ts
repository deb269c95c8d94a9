/**
 * Spawner plugins by name: built-ins register here; `JupyterHub.spawner_class` may name an id,
 * an alias (JupyterHub's entry-point and class names) or a module path that default-exports a
 * {@link SpawnerDefinition}.
 */
import { PluginRegistry } from '../plugins/registry.js';
import { localProcessSpawner } from './local-process.js';
import { simpleLocalProcessSpawner } from './simple-local-process.js';
import { kubernetesSpawner } from './kubernetes/index.js';
import { dockerSpawner } from './docker/index.js';
import type { SpawnerDefinition } from './types.js';
import { parsePluginOptions } from '../plugins/options.js';
import { snakeKeys } from './local-options.js';

const registry = new PluginRegistry<SpawnerDefinition>({
  noun: 'spawner',
  trait: 'JupyterHub.spawner_class',
  baseClass: 'Spawner',
  isDefinition: (d) => typeof d.create === 'function',
});

/**
 * Registers a spawner under its id and aliases. Re-registering the same definition is a no-op;
 * a name already taken by another definition throws HubError LABHUB_ERR_CONFIG.
 */
export function registerSpawner(def: SpawnerDefinition): void {
  registry.register(def);
}

/** Ids of the registered spawners. */
export function spawnerIds(): string[] {
  return registry
    .list()
    .map((d) => d.id)
    .sort();
}

/** A registered spawner by id or alias (case-insensitive); null otherwise (no loading). */
export function findRegisteredSpawner(name: string): SpawnerDefinition | null {
  return registry.find(name);
}

/**
 * Finds a spawner by id, alias (case-insensitive), module path (resolved against `baseDir`,
 * e.g. the config file's directory; default cwd), or Python class path `pkg.mod.Class` standing
 * for a JS module `pkg/mod.mjs|js` found on `LABHUB_PLUGIN_PATH` or in `baseDir` that lists the
 * class path in its aliases. Unknown names throw HubError LABHUB_ERR_CONFIG listing the known
 * names with a did-you-mean.
 */
export function resolveSpawner(
  nameOrAlias: string,
  opts: { baseDir?: string } = {},
): Promise<SpawnerDefinition> {
  return registry.resolve(nameOrAlias, opts);
}

/**
 * Check the configured spawner options against the spawner's own schema (if it has one).
 * Throws LABHUB_ERR_CONFIG naming `Class.key` for a wrong value.
 */
export function checkSpawnerOptions(
  def: SpawnerDefinition,
  extra: Readonly<Record<string, unknown>>,
): void {
  if (def.options)
    parsePluginOptions(def.options, snakeKeys(extra), def.configClasses.at(-1) ?? 'Spawner');
}

registerSpawner(localProcessSpawner);
registerSpawner(simpleLocalProcessSpawner);
registerSpawner(kubernetesSpawner);
registerSpawner(dockerSpawner);
