/**
 * Spawner plugins by name: built-ins register here; `JupyterHub.spawner_class` may name an id,
 * an alias (JupyterHub's entry-point and class names) or a module path that default-exports a
 * {@link SpawnerDefinition}.
 */
import { existsSync } from 'node:fs';
import { levenshtein as editDistance } from '../core/edit-distance.js';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HubError } from '../errors.js';
import { localProcessSpawner } from './local-process.js';
import { simpleLocalProcessSpawner } from './simple-local-process.js';
import type { SpawnerDefinition } from './types.js';

const byName = new Map<string, SpawnerDefinition>();
const definitions = new Map<string, SpawnerDefinition>();

function isDefinition(x: unknown): x is SpawnerDefinition {
  const d = x as SpawnerDefinition;
  return (
    !!d &&
    typeof d === 'object' &&
    typeof d.id === 'string' &&
    typeof d.create === 'function' &&
    (d.aliases === undefined || Array.isArray(d.aliases)) &&
    (d.configClasses === undefined || Array.isArray(d.configClasses))
  );
}

/**
 * Registers a spawner under its id and aliases. Re-registering the same definition is a no-op;
 * a name already taken by another definition throws HubError LABHUB_ERR_CONFIG.
 */
export function registerSpawner(def: SpawnerDefinition): void {
  if (!isDefinition(def) || !/^[a-z][a-z0-9-]*$/.test(def.id)) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `A spawner definition needs a kebab-case id, aliases and a create() function; got id ${JSON.stringify((def as { id?: unknown })?.id)}.`,
    );
  }
  for (const name of [def.id, ...(def.aliases ?? [])]) {
    const other = byName.get(name);
    if (other && other !== def) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Spawner name ${JSON.stringify(name)} is already used by spawner ${JSON.stringify(other.id)}; choose another id or alias for ${JSON.stringify(def.id)}.`,
      );
    }
  }
  for (const name of [def.id, ...(def.aliases ?? [])]) byName.set(name, def);
  definitions.set(def.id, def);
}

/** Ids of the registered spawners. */
export function spawnerIds(): string[] {
  return [...definitions.keys()].sort();
}

/** A registered spawner by id or alias (exact, then case-insensitive); null otherwise (no loading). */
export function findRegisteredSpawner(name: string): SpawnerDefinition | null {
  const n = name.trim();
  const exact = byName.get(n);
  if (exact) return exact;
  for (const [k, d] of byName) if (k.toLowerCase() === n.toLowerCase()) return d;
  return null;
}

/** True when the name looks like a module path rather than a registered name. */
function isModulePath(name: string): boolean {
  return (
    name.startsWith('.') ||
    isAbsolute(name) ||
    name.startsWith('file:') ||
    /\.(m?js|cjs|ts|mts)$/.test(name)
  );
}

/** `package.module.ClassName`: a Python class path as written in jupyterhub_config.py. */
const PY_CLASS_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

/**
 * Directories searched for a JS module standing in for a Python class path: `LABHUB_PLUGIN_PATH`
 * (colon-separated, like PYTHONPATH), then `baseDir`.
 */
function pluginDirs(baseDir: string): string[] {
  const fromEnv = (process.env.LABHUB_PLUGIN_PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => resolve(baseDir, d));
  return [...fromEnv, baseDir];
}

/**
 * `pkg.mod.ClassName` → the first of `pkg/mod.mjs`, `pkg/mod.js` in {@link pluginDirs}, if its
 * default export lists that class path among its aliases (so one config file can name a spawner
 * both JupyterHub and labhub load). The definition is registered; null when no file exists.
 */
async function loadForClassPath(name: string, baseDir: string): Promise<SpawnerDefinition | null> {
  const modPath = name.split('.').slice(0, -1).join('/');
  for (const dir of pluginDirs(baseDir)) {
    for (const ext of ['.mjs', '.js']) {
      const file = resolve(dir, modPath + ext);
      if (!existsSync(file)) continue;
      const def = await loadModule(file, dir);
      if (!def.aliases.includes(name)) {
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `JupyterHub.spawner_class ${JSON.stringify(name)}: ${file} was found for it, but its spawner definition (id ${JSON.stringify(def.id)}) does not list ${JSON.stringify(name)} in its aliases. Add it to aliases, or name the module path in spawner_class.`,
        );
      }
      registerSpawner(def);
      return def;
    }
  }
  return null;
}

/**
 * Finds a spawner by id, alias (exact, then case-insensitive), module path (resolved against
 * `baseDir`, e.g. the config file's directory; default cwd), or Python class path
 * `pkg.mod.Class` standing for a JS module `pkg/mod.mjs|js` found on `LABHUB_PLUGIN_PATH` or in
 * `baseDir` that lists the class path in its aliases. Unknown names throw HubError
 * LABHUB_ERR_CONFIG listing the known names with a did-you-mean.
 */
export async function resolveSpawner(
  nameOrAlias: string,
  opts: { baseDir?: string } = {},
): Promise<SpawnerDefinition> {
  const name = nameOrAlias.trim();
  const known = findRegisteredSpawner(name);
  if (known) return known;
  if (isModulePath(name)) return loadModule(name, opts.baseDir ?? process.cwd());
  if (PY_CLASS_PATH.test(name)) {
    const found = await loadForClassPath(name, opts.baseDir ?? process.cwd());
    if (found) return found;
  }
  const names = [...byName.keys()];
  const best = names
    .map((n) => ({ n, d: editDistance(name.toLowerCase(), n.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  const hint =
    best && best.d <= Math.max(3, Math.floor(name.length / 3))
      ? ` Did you mean ${JSON.stringify(best.n)}?`
      : '';
  throw new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `JupyterHub.spawner_class ${JSON.stringify(name)} is not a known spawner.${hint} Known: ${spawnerIds()
      .map((id) => {
        const aliases = (definitions.get(id)?.aliases ?? []).join(', ');
        return aliases ? `${id} (also ${aliases})` : id;
      })
      .join(
        '; ',
      )}. A module path like ./my-spawner.js that default-exports a spawner definition also works, and so does a class path pkg.mod.Class for a module pkg/mod.mjs on LABHUB_PLUGIN_PATH whose aliases list it.`,
  );
}

async function loadModule(spec: string, baseDir: string): Promise<SpawnerDefinition> {
  const url = spec.startsWith('file:') ? spec : pathToFileURL(resolve(baseDir, spec)).href;
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.spawner_class module ${spec} could not be loaded (${url}): ${(e as Error).message}. Check the path (relative paths are resolved from ${baseDir}).`,
    );
  }
  const def = mod.default;
  if (!isDefinition(def)) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.spawner_class module ${spec} must default-export a spawner definition ({ id, aliases, configClasses, create(ctx) }); its default export is ${def === undefined ? 'missing' : typeof def}.`,
    );
  }
  return { ...def, aliases: def.aliases ?? [], configClasses: def.configClasses ?? ['Spawner'] };
}

registerSpawner(localProcessSpawner);
registerSpawner(simpleLocalProcessSpawner);
