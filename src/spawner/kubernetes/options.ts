/**
 * The `kubernetes` spawner's options: the Spawner and KubeSpawner traits it reads (zod, from
 * the config schema), and `profile_list` with `kubespawner_override` applied for the profile a
 * user chose (KubeSpawner's `load_user_options`: a mapping override is merged into a mapping
 * trait, `null` removes a key; anything else replaces the value).
 */
import { z } from 'zod';
import { spawnerTraits } from '../../config/schema-classes.js';
import { kubeSpawnerTraits } from '../../config/schema-kubespawner.js';
import { parsePluginOptions } from '../../plugins/options.js';
import { HubError } from '../../errors.js';
import { snakeKeys } from '../local-options.js';
import type { JsonObject } from '../../util/json.js';

const profileChoice = z.looseObject({
  display_name: z.string().optional(),
  default: z.boolean().optional(),
  kubespawner_override: z.record(z.string(), z.unknown()).optional(),
});
const profileOption = z.looseObject({
  display_name: z.string().optional(),
  choices: z.record(z.string(), profileChoice).optional(),
  unlisted_choice: z
    .looseObject({
      enabled: z.boolean().optional(),
      display_name: z.string().optional(),
      validation_regex: z.string().optional(),
      kubespawner_override: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
const profile = z.looseObject({
  display_name: z.string(),
  slug: z.string().optional(),
  description: z.string().optional(),
  default: z.boolean().optional(),
  kubespawner_override: z.record(z.string(), z.unknown()).optional(),
  profile_options: z.record(z.string(), profileOption).optional(),
});

/** What the kubernetes spawner reads (Spawner traits it uses + KubeSpawner's own). */
export const kubeOptionsSchema = z.object({
  args: spawnerTraits.args,
  mem_limit: spawnerTraits.mem_limit,
  cpu_limit: spawnerTraits.cpu_limit,
  port: spawnerTraits.port,
  start_timeout: spawnerTraits.start_timeout,
  hub_connect_url: spawnerTraits.hub_connect_url,
  profile_list: z.union([z.array(profile), z.record(z.string(), profile)]).prefault([]),
  ...kubeSpawnerTraits,
});

export type KubeOptions = z.output<typeof kubeOptionsSchema>;
type Profile = z.output<typeof profile>;

/** Parse the configured options (snake_case or camelCase keys). Throws LABHUB_ERR_CONFIG. */
export function kubeOptions(extra: Readonly<Record<string, unknown>>): KubeOptions {
  return parsePluginOptions(kubeOptionsSchema, snakeKeys(extra), 'KubeSpawner');
}

/** KubeSpawner's slugify of a display name (profile slug when none is given). */
function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[^\x00-\x7f]/g, '')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '-');
}

/** The profiles as KubeSpawner initialises them: slugs filled in, one default (the first). */
export function initializedProfiles(list: KubeOptions['profile_list']): Profile[] {
  const arr = Array.isArray(list)
    ? list
    : Object.keys(list)
        .sort()
        .map((k) => list[k]!);
  const out = arr.map((p) => ({ ...p, slug: p.slug ?? slugify(p.display_name) }));
  if (out.length && !out.some((p) => p.default)) out[0] = { ...out[0]!, default: true };
  return out;
}

const isDict = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** KubeSpawner's recursive_update: nested mappings merged, null removes the key. */
function recursiveUpdate(target: Record<string, unknown>, changes: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(changes)) {
    if (isDict(v)) {
      if (!isDict(target[k])) target[k] = {};
      recursiveUpdate(target[k] as Record<string, unknown>, v);
    } else if (v === null) delete target[k];
    else target[k] = v;
  }
}

const KNOWN_KEYS = new Set(Object.keys(kubeOptionsSchema.shape));

function applyOverrides(
  raw: Record<string, unknown>,
  overrides: Record<string, unknown>,
  where: string,
): void {
  for (const [k, v] of Object.entries(overrides)) {
    if (!KNOWN_KEYS.has(k))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `${where}.kubespawner_override.${k}: labhub's kubernetes spawner has no setting ${k} (the keys it implements are listed in docs/kubernetes.md).`,
      );
    if (isDict(v) && isDict(raw[k])) {
      const merged = structuredClone(raw[k]);
      recursiveUpdate(merged, v);
      raw[k] = merged;
    } else raw[k] = v;
  }
}

/** Python's str.format_map with unknown fields left as they are (KubeSpawner's recursive_format). */
function formatValue(v: unknown, value: string): unknown {
  if (typeof v === 'string') return v.replace(/\{value\}/g, value);
  if (Array.isArray(v)) return v.map((x) => formatValue(x, value));
  if (isDict(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, formatValue(x, value)]));
  return v;
}

/**
 * The options for one spawn: the configured ones with the chosen profile's (and its options')
 * kubespawner_override applied. `userOptions` is `{profile: slug, <option>: choice,
 * <option>--unlisted-choice: value}` as the spawn form or the REST API sends it. Throws
 * LABHUB_ERR_BAD_REQUEST for an unknown profile or choice, LABHUB_ERR_CONFIG for a bad override.
 */
export function optionsForSpawn(
  configured: KubeOptions,
  userOptions: JsonObject | null | undefined,
): KubeOptions {
  const profiles = initializedProfiles(configured.profile_list);
  if (!profiles.length) return configured;
  const uo = userOptions ?? {};
  const slug = typeof uo.profile === 'string' && uo.profile ? uo.profile : null;
  const chosen = slug ? profiles.find((p) => p.slug === slug) : profiles.find((p) => p.default);
  if (!chosen)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `No such profile: ${String(slug).slice(0, 64)}. Options include: ${profiles.map((p) => p.slug).join(', ')}`,
    );
  const where = `KubeSpawner.profile_list[${chosen.slug}]`;
  const raw: Record<string, unknown> = { ...configured };
  applyOverrides(raw, chosen.kubespawner_override ?? {}, where);
  for (const [name, option] of Object.entries(chosen.profile_options ?? {})) {
    // As the REST API sends them (KubeSpawner's names), or as the spawn form posts them.
    const formField = `profile-option-${chosen.slug}--${name}`;
    const unlisted = uo[`${name}--unlisted-choice`] ?? uo[`${formField}--unlisted-choice`];
    const choice = uo[name] ?? uo[formField];
    const choices = option.choices ?? {};
    let overrides: Record<string, unknown>;
    if (typeof unlisted === 'string' && unlisted) {
      const u = option.unlisted_choice;
      if (!u?.enabled)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `Received unlisted_choice for ${name} without being enabled.`,
        );
      if (u.validation_regex && !new RegExp(`^(?:${u.validation_regex})`).test(unlisted))
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `Received unlisted_choice for ${name} that failed validation regex.`,
        );
      overrides = formatValue(u.kubespawner_override ?? {}, unlisted) as Record<string, unknown>;
    } else if (typeof choice === 'string' && choice) {
      const c = choices[choice];
      if (!c)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `No such choice ${JSON.stringify(choice.slice(0, 64))} for ${name}; choices: ${Object.keys(choices).join(', ')}`,
        );
      overrides = c.kubespawner_override ?? {};
    } else {
      const keys = Object.keys(choices);
      if (!keys.length)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `Unable to determine a default choice for ${name}.`,
        );
      const def = keys.find((k) => choices[k]!.default) ?? keys[0]!;
      overrides = choices[def]!.kubespawner_override ?? {};
    }
    applyOverrides(raw, overrides, `${where}.profile_options.${name}`);
  }
  return parsePluginOptions(kubeOptionsSchema, raw, where);
}

/** Checks every profile's overrides at start (unknown keys, wrong values): LABHUB_ERR_CONFIG. */
export function checkProfiles(configured: KubeOptions): void {
  for (const p of initializedProfiles(configured.profile_list)) {
    const where = `KubeSpawner.profile_list[${p.slug}]`;
    const raw: Record<string, unknown> = { ...configured };
    applyOverrides(raw, p.kubespawner_override ?? {}, where);
    for (const [name, option] of Object.entries(p.profile_options ?? {}))
      for (const [c, choice] of Object.entries(option.choices ?? {}))
        applyOverrides(
          raw,
          choice.kubespawner_override ?? {},
          `${where}.profile_options.${name}.${c}`,
        );
    parsePluginOptions(kubeOptionsSchema, raw, where);
  }
}
