/**
 * loadConfig: find and read the config file, map renamed keys, check every key and value,
 * fill defaults, warn about suspicious settings, and return a deeply frozen config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HubError } from '../errors.js';
import { refuseAuthStateKeys } from './auth-state-keys.js';
import { checkRaw, checkResolved, deriveHub, deriveSpawner } from './checks.js';
import { checkConfigNames } from './name-checks.js';
import { deepFreeze } from './freeze.js';
import { ROOT_CLASSES, rememberExplicit, resolveClass } from './inherit.js';
import { RawConfig, type ConfigWarning } from './raw.js';
import { applyRenames } from './renames.js';
import { CLASS_NAMES, ancestry, type HubConfig } from './schema.js';
import { formatOf, fromObject, readConfigText } from './sources.js';
import { checkKeys, validateEntries } from './validate.js';

/** Files looked for in the working directory when no file is given, in this order. */
export const DEFAULT_CONFIG_FILES = [
  'labhub.yaml',
  'labhub.yml',
  'labhub.json',
  'labhub.toml',
  'jupyterhub_config.py',
] as const;

export interface LoadConfigOptions {
  /** Config file (.yaml/.yml/.json/.toml/.py). Absent: the first of DEFAULT_CONFIG_FILES in cwd, else defaults only. */
  file?: string;
  /** Values that win over the file (command-line flags): `{JupyterHub: {port: 8000}}`. */
  overrides?: Record<string, Record<string, unknown>>;
  /** Directory searched for default files (default: process.cwd()). */
  cwd?: string;
}

export interface LoadedConfig {
  config: HubConfig;
  warnings: ConfigWarning[];
  /** Absolute path of the file read, or null when none was found. */
  source: string | null;
}

/**
 * Loads, validates and freezes the configuration.
 * @throws HubError LABHUB_ERR_CONFIG_SYNTAX (unparsable file, with file:line),
 *   LABHUB_ERR_CONFIG_UNKNOWN_KEY (with did-you-mean), LABHUB_ERR_CONFIG (bad value, or an old
 *   and a new key set to different values).
 */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  let source: string | null = null;
  if (opts.file) {
    source = resolve(cwd, opts.file);
    if (!existsSync(source)) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Config file ${opts.file} does not exist (looked at ${source}). Check the path given to --config.`,
      );
    }
  } else {
    const found = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
    source = found ?? null;
  }
  let raw = new RawConfig();
  if (source) {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Config file ${source} cannot be read: ${(e as Error).message}. Check its permissions.`,
      );
    }
    raw = readConfigText(text, formatOf(source), opts.file ?? source.slice(cwd.length + 1));
  }
  if (opts.overrides) {
    for (const [cls, trait, e] of fromObject(opts.overrides, undefined).entries())
      raw.set(cls, trait, e);
  }
  return buildConfig(raw, source);
}

/** Turns a raw config into the validated, frozen config (shared by loadConfig and tests). */
export function buildConfig(raw: RawConfig, source: string | null): LoadedConfig {
  const warnings: ConfigWarning[] = [];
  applyRenames(raw, warnings);
  checkKeys(raw, warnings);
  checkRaw(raw, warnings);
  const explicit = validateEntries(raw);
  refuseAuthStateKeys(raw, explicit);

  const config: Record<string, Record<string, unknown>> = {};
  for (const cls of CLASS_NAMES) {
    if (ROOT_CLASSES.includes(cls)) config[cls] = resolveClass(cls, explicit[cls] ?? {});
    else config[cls] = structuredClone(explicit[cls] ?? {});
  }
  deriveHub(config.JupyterHub!, explicit.JupyterHub ?? {});
  for (const cls of CLASS_NAMES)
    if ((ancestry(cls) as string[]).includes('Spawner')) deriveSpawner(config[cls]!);
  // traitsFor must see the normalised values too.
  for (const [cls, section] of Object.entries(explicit)) {
    for (const k of Object.keys(section)) section[k] = config[cls]![k] ?? section[k];
  }
  checkResolved(raw, explicit, config, warnings);
  checkConfigNames(raw, explicit, config);
  // Stable order for logs and doctor: by line, keys without a line last.
  warnings.sort((a, b) => (a.line ?? 1e9) - (b.line ?? 1e9));
  deepFreeze(explicit);
  rememberExplicit(config, explicit);
  return { config: deepFreeze(config) as HubConfig, warnings, source };
}
