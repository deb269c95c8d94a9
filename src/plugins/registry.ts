/**
 * One registry for every plugin kind (authenticators, spawners): the same rules for both.
 *
 * - A definition has a kebab-case `id`, `aliases` (JupyterHub's entry-point and class names) and
 *   the `configClasses` whose traits it reads. An id or alias belongs to one definition.
 * - Names are looked up case-insensitively (`PAMAuthenticator`, `pamauthenticator`).
 * - A module path (`./my-auth.mjs`, `/opt/spawner.js`, `file:…`, resolved against `baseDir`) is
 *   imported; it exports the definition as `default` or under the kind's noun (`authenticator`,
 *   `spawner`), and is registered.
 * - A Python class path `pkg.mod.Class` stands for a JS module `pkg/mod.mjs|js` found on
 *   `LABHUB_PLUGIN_PATH` (colon-separated, like PYTHONPATH) or in `baseDir`, when that module's
 *   definition lists the class path among its aliases (one config file for JupyterHub and labhub).
 * - Anything else is LABHUB_ERR_CONFIG with a did-you-mean and the known names.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HubError } from '../errors.js';
import { levenshtein } from '../util/edit-distance.js';

/** What every plugin definition has. */
export interface PluginDefinition {
  /** kebab-case id, e.g. `pam`, `local-process`. */
  id: string;
  /** Other names accepted in the config (JupyterHub class and entry-point names). */
  aliases: string[];
  /** JupyterHub config classes whose traits apply, most general first. */
  configClasses: string[];
}

/** What a registry knows about its kind of plugin. */
export interface PluginKind<TDef extends PluginDefinition> {
  /** `authenticator`, `spawner`: used in messages and as the named export of a module. */
  noun: string;
  /** The config key naming the plugin, e.g. `JupyterHub.spawner_class`. */
  trait: string;
  /** The base config class, the `configClasses` of a module that gives none. */
  baseClass: string;
  /** Extra shape checks beyond id/aliases/configClasses (e.g. a `create` function). */
  isDefinition(x: Record<string, unknown>): boolean;
}

/** `package.module.ClassName`: a Python class path as written in jupyterhub_config.py. */
const PY_CLASS_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

const q = (s: string) => JSON.stringify(s);

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
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

function sameDefinition(a: PluginDefinition, b: PluginDefinition): boolean {
  const create = (d: PluginDefinition) => (d as unknown as { create?: unknown }).create;
  return a.id === b.id && create(a) === create(b);
}

/** Plugins of one kind by id and alias. */
export class PluginRegistry<TDef extends PluginDefinition> {
  readonly #byName = new Map<string, TDef>();
  readonly #byId = new Map<string, TDef>();

  constructor(private readonly kind: PluginKind<TDef>) {}

  /** The definition shape check every loaded module goes through. */
  isDefinition(x: unknown): x is TDef {
    const d = x as Record<string, unknown> | null;
    return (
      !!d &&
      typeof d === 'object' &&
      typeof d.id === 'string' &&
      (d.aliases === undefined || Array.isArray(d.aliases)) &&
      (d.configClasses === undefined || Array.isArray(d.configClasses)) &&
      this.kind.isDefinition(d)
    );
  }

  /**
   * Registers a definition under its id and aliases. Re-registering the same definition is a
   * no-op; a malformed id, or a name already taken by another definition, throws
   * LABHUB_ERR_CONFIG.
   */
  register(def: TDef): void {
    const { noun } = this.kind;
    if (!this.isDefinition(def) || !/^[a-z][a-z0-9-]*$/.test(def.id))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `${article(noun)} definition needs a kebab-case id (e.g. "my-${noun}"), aliases and a create() function; its id is ${q(String((def as { id?: unknown } | null)?.id))}.`.replace(
          /^./,
          (c) => c.toUpperCase(),
        ),
      );
    for (const name of [def.id, ...def.aliases]) {
      const other = this.#byName.get(name.toLowerCase());
      if (other && other !== def)
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `The ${noun} name ${q(name)} is already used by ${noun} ${q(other.id)}; choose another id or alias for ${q(def.id)}.`,
        );
    }
    for (const name of [def.id, ...def.aliases]) this.#byName.set(name.toLowerCase(), def);
    this.#byId.set(def.id, def);
  }

  /** All registered definitions, in registration order. */
  list(): TDef[] {
    return [...this.#byId.values()];
  }

  /** A registered definition by id or alias (case-insensitive); null otherwise (no loading). */
  find(name: string): TDef | null {
    return this.#byName.get(name.trim().toLowerCase()) ?? null;
  }

  /**
   * Finds a definition by id or alias, module path or Python class path (see the file header);
   * unknown names throw LABHUB_ERR_CONFIG with a did-you-mean and the known names.
   */
  async resolve(nameOrAlias: string, opts: { baseDir?: string } = {}): Promise<TDef> {
    const name = nameOrAlias.trim();
    const baseDir = opts.baseDir ?? process.cwd();
    const known = this.find(name);
    if (known) return known;
    if (isModulePath(name)) return this.#adopt(await this.#loadModule(name, baseDir));
    if (PY_CLASS_PATH.test(name)) {
      const found = await this.#loadForClassPath(name, baseDir);
      if (found) return found;
    }
    throw this.#unknown(name);
  }

  #unknown(name: string): HubError {
    const { noun, trait } = this.kind;
    const lower = name.toLowerCase();
    const names = this.list().flatMap((d) => [d.id, ...d.aliases]);
    // Closest ignoring case; among equals, the one spelled most like the input.
    const best = names
      .map((n) => ({ n, d: levenshtein(lower, n.toLowerCase()), exact: levenshtein(name, n) }))
      .sort((a, b) => a.d - b.d || a.exact - b.exact)[0];
    const hint =
      best && best.d <= Math.max(3, Math.floor(name.length / 3))
        ? ` Did you mean ${q(best.n)}?`
        : '';
    const py = PY_CLASS_PATH.test(name) ? ` Python ${noun} classes cannot run in labhub.` : '';
    const knownList = this.list()
      .map((d) => {
        const others = d.aliases.filter((a) => a !== d.id);
        return others.length ? `${d.id} (also ${others.join(', ')})` : d.id;
      })
      .join('; ');
    return new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${trait} ${q(name.slice(0, 80))} is not a known ${noun}.${hint}${py} Known: ${knownList}. ` +
        `A module path like ./my-${noun}.js that exports ${article(noun)} definition also works, and so does ` +
        'a class path pkg.mod.Class for a module pkg/mod.mjs on LABHUB_PLUGIN_PATH whose aliases list it.',
    );
  }

  /** A loaded definition is registered under its names, unless its id is taken already. */
  #adopt(def: TDef): TDef {
    const registered = this.#byId.get(def.id);
    // The same module imported again (a new copy of the same definition): the registered one.
    if (registered && sameDefinition(registered, def)) return registered;
    this.register(def);
    return def;
  }

  /** Directories searched for a class path's module: LABHUB_PLUGIN_PATH, then `baseDir`. */
  #pluginDirs(baseDir: string): string[] {
    const fromEnv = (process.env.LABHUB_PLUGIN_PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((d) => resolve(baseDir, d));
    return [...fromEnv, baseDir];
  }

  async #loadForClassPath(name: string, baseDir: string): Promise<TDef | null> {
    const modPath = name.split('.').slice(0, -1).join('/');
    for (const dir of this.#pluginDirs(baseDir)) {
      for (const ext of ['.mjs', '.js']) {
        const file = resolve(dir, modPath + ext);
        if (!existsSync(file)) continue;
        const def = await this.#loadModule(file, dir);
        if (!def.aliases.includes(name))
          throw new HubError(
            'LABHUB_ERR_CONFIG',
            500,
            `${this.kind.trait} ${q(name)}: ${file} was found for it, but its ${this.kind.noun} definition (id ${q(def.id)}) does not list ${q(name)} in its aliases. Add it to aliases, or name the module path in ${this.kind.trait}.`,
          );
        return this.#adopt(def);
      }
    }
    return null;
  }

  async #loadModule(spec: string, baseDir: string): Promise<TDef> {
    const { noun, trait } = this.kind;
    const url = spec.startsWith('file:') ? spec : pathToFileURL(resolve(baseDir, spec)).href;
    const path = new URL(url).pathname;
    if (!spec.startsWith('file:') && !existsSync(path))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `${trait}: the module ${q(spec)} could not be loaded: it does not exist (looked at ${path}; relative paths are resolved from ${baseDir}).`,
      );
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `${trait}: the module ${q(spec)} could not be loaded (${url}): ${(e as Error).message}. Check the path (relative paths are resolved from ${baseDir}).`,
      );
    }
    const def = [mod.default, mod[noun]].find((d) => this.isDefinition(d));
    if (!def)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `${trait}: the module ${q(spec)} must export ${article(noun)} definition ({ id, aliases, configClasses, create }) as default or as "${noun}"; its default export is ${mod.default === undefined ? 'missing' : typeof mod.default}.`,
      );
    return {
      ...def,
      aliases: def.aliases ?? [],
      configClasses: def.configClasses ?? [this.kind.baseClass],
    };
  }
}
