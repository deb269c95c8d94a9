/**
 * Checks every key (known / recognised-but-unsupported / unknown with did-you-mean) and
 * validates every value against its trait schema, collecting all problems before failing.
 */
import type { z } from 'zod';
import { HubError } from '../errors.js';
import {
  UNSUPPORTED_CLASSES,
  isOffValue,
  isUnsupported,
  refusedHint,
  refusedReason,
  unsupportedHint,
} from './known-traits.js';
import { at, type ConfigWarning, type RawConfig } from './raw.js';
import { applyLazy } from './sources.js';
import { ancestry, isClassName, traitsOf, type ClassName } from './schema.js';
import { editDistance, suggestKey } from './suggest.js';
import { objectFields } from './schema-util.js';

export type Explicit = Partial<Record<ClassName, Record<string, unknown>>>;

/**
 * Drops recognised-but-unsupported keys (with a warning), fails on refused ones (set to
 * anything but their "off" value) and on unknown ones (`lenient`: drops them too, for
 * migrate-config).
 * @throws HubError LABHUB_ERR_CONFIG naming every refused key and why.
 * @throws HubError LABHUB_ERR_CONFIG_UNKNOWN_KEY listing every unknown key with a suggestion.
 */
export function checkKeys(
  raw: RawConfig,
  out: ConfigWarning[],
  opts: { lenient?: boolean } = {},
): void {
  const unknown: string[] = [];
  const refused: string[] = [];
  for (const [cls, trait, e] of raw.entries()) {
    if (isClassName(cls) && trait in traitsOf(cls)) continue;
    const chain = isClassName(cls) ? (ancestry(cls) as string[]) : [cls];
    const refusal = refusedReason(chain, trait);
    if (refusal) {
      if (!opts.lenient && !isOffValue(e.value))
        refused.push(
          `${cls}.${trait}${at(e)} (${refusal}) is not implemented by labhub, so it is refused rather than ignored. ` +
            `${refusedHint(chain, trait)}.`,
        );
      raw.drop(cls, trait, `not implemented by labhub (${refusal})`);
      continue;
    }
    if (chain.some((c) => isUnsupported(c, trait))) {
      const what = UNSUPPORTED_CLASSES[cls] ? ` (${cls}: ${UNSUPPORTED_CLASSES[cls]})` : '';
      const hint = unsupportedHint(chain, trait);
      out.push({
        code: 'LABHUB_WARN_CONFIG_UNSUPPORTED',
        key: `${cls}.${trait}`,
        file: e.file,
        line: e.line,
        level: 'warning',
        message:
          `${cls}.${trait} is a JupyterHub setting that labhub does not support yet${what}; it has no effect.` +
          (hint ? ` Instead: ${hint}.` : ''),
      });
      raw.drop(cls, trait, `not supported by labhub yet${what}`);
      continue;
    }
    const hint = suggestKey(cls, trait);
    if (opts.lenient) {
      raw.drop(cls, trait, `unknown setting${hint ? ` (did you mean ${hint}?)` : ''}`);
      continue;
    }
    unknown.push(
      `${cls}.${trait}${at(e)} is not a known setting${hint ? `. Did you mean ${hint}?` : '.'}`,
    );
  }
  if (refused.length)
    throw new HubError('LABHUB_ERR_CONFIG', 500, `Invalid configuration:\n${refused.join('\n')}`);
  if (unknown.length) {
    throw new HubError(
      'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
      500,
      `${unknown.join('\n')}\nSee docs/config.md for every setting.`,
    );
  }
}

function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function describeIssue(key: string, issue: z.core.$ZodIssue, input: unknown): string {
  let v: unknown = input;
  for (const p of issue.path)
    v =
      v && typeof v === 'object'
        ? (v as Record<PropertyKey, unknown>)[p as PropertyKey]
        : undefined;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  if (issue.code === 'invalid_union' && issue.errors.length) {
    // Report the branch that matched the input's type (e.g. the size format for "2 gigs").
    const all = issue.errors.flat();
    const branch = all.find((i) => i.code !== 'invalid_type');
    if (branch)
      return describeIssue(
        key,
        { ...branch, path: [...issue.path, ...branch.path] } as z.core.$ZodIssue,
        input,
      );
    const expected = [
      ...new Set(all.map((i) => (i as { expected?: string }).expected).filter(Boolean)),
    ].join(' or ');
    return `${key}${path}: expected ${expected}, received ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v} (got ${preview(v)})`;
  }
  if (issue.code === 'unrecognized_keys') {
    const [cls, trait] = key.split('.') as [string, string];
    const schema = isClassName(cls) ? traitsOf(cls)[trait] : undefined;
    const fields = schema ? objectFields(schema) : [];
    const named = issue.keys.map((k) => {
      const near = fields
        .filter((f) => editDistance(f, k) <= Math.max(1, Math.floor(k.length / 3)))
        .sort((a, b) => editDistance(a, k) - editDistance(b, k))[0];
      return `${JSON.stringify(k)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`;
    });
    return `${key}${path}: unknown field(s) ${named.join(', ')}${fields.length ? `; known fields: ${fields.join(', ')}` : ''}`;
  }
  const got = issue.code === 'custom' ? '' : ` (got ${preview(v)})`;
  return `${key}${path}: ${issue.message.replace(/^Invalid input: /, '')}${got}`;
}

/**
 * Validates each entry against its trait schema (applying lazy `.append`-style operations to
 * the default first).
 * @returns the validated values per class (only keys the config set).
 * @throws HubError LABHUB_ERR_CONFIG naming key, expected, received, and file:line when known.
 */
export function validateEntries(raw: RawConfig): Explicit {
  const explicit: Explicit = {};
  const errors: string[] = [];
  for (const [cls, trait, e] of raw.entries()) {
    if (!isClassName(cls)) continue;
    const schema = traitsOf(cls)[trait]!;
    let input = e.value;
    try {
      if (e.lazy?.length) {
        if (input === undefined) input = schema.parse(undefined);
        for (const op of e.lazy)
          input = applyLazy(input, op, `${cls}.${trait}`, at(e).slice(2, -1) || 'config');
      }
    } catch (err) {
      errors.push((err as HubError).userMessage ?? String(err));
      continue;
    }
    if (input === undefined) input = null;
    const r = schema.safeParse(input);
    if (!r.success) {
      for (const issue of r.error.issues.slice(0, 3))
        errors.push(`${describeIssue(`${cls}.${trait}`, issue, input)}${at(e)}`);
      continue;
    }
    (explicit[cls] ??= {})[trait] = r.data;
  }
  if (errors.length) {
    throw new HubError('LABHUB_ERR_CONFIG', 500, `Invalid configuration:\n${errors.join('\n')}`);
  }
  return explicit;
}
