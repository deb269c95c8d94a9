/**
 * Every key of the config schema does something. For each trait (and each field of the nested
 * objects) the walk sets a distinctive non-default value, resolves the settings, and requires
 * one of:
 * - a typed Settings field changed (the hub reads it there), or
 * - only a plugin's option bag changed (authenticator options, spawner options), and the plugin's
 *   code reads that option by name, or
 * - settingsFromConfig refused the value with a HubError naming the key (e.g. proxy_class).
 * Anything else is a documented key that does nothing: implement it, or move it to
 * UNSUPPORTED_TRAITS in src/config/known-traits.ts (a warning that names it at every start).
 * A second check: every Settings field is read outside the mapping. The walk itself is in
 * test/helpers/settings-walk.ts; settings-defaults.test.ts checks the defaults with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFUSED_TRAITS, UNSUPPORTED_TRAITS } from '../config/known-traits.js';
import { CLASSES, CLASS_NAMES, type ClassName } from '../config/schema.js';
import { isHubError } from '../errors.js';
import {
  NESTED,
  READ_BEFORE_SETTINGS,
  distinct,
  resolve,
} from '../../test/helpers/settings-walk.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));

type Outcome = { kind: 'typed' | 'bag' | 'refused' | 'none'; paths: string[] };

/** Paths (a.b[0].c) where two JSON-like values differ. */
function diff(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      diff(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      ),
    );
  }
  return [path || '(root)'];
}

const isBag = (p: string) =>
  p.startsWith('authenticatorOptions.') || p.startsWith('spawner.extra.');

function outcome(
  cls: ClassName,
  key: string,
  base: Record<string, Record<string, unknown>>,
  changed: Record<string, Record<string, unknown>>,
): Outcome {
  const before = resolve(cls, base);
  let after: unknown;
  try {
    after = resolve(cls, changed);
  } catch (e) {
    if (isHubError(e) && e.userMessage.includes(key)) return { kind: 'refused', paths: [] };
    throw e;
  }
  const paths = diff(before, after);
  if (paths.some((p) => !isBag(p))) return { kind: 'typed', paths: paths.filter((p) => !isBag(p)) };
  return { kind: paths.length ? 'bag' : 'none', paths };
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Source text without comments (a mention in a comment proves nothing). */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

/** Plugin and hub code outside the config layer and the settings mapping. */
const CONSUMERS = sources(SRC)
  .filter((f) => {
    const r = relative(SRC, f);
    return !r.startsWith('config/') && !r.startsWith('core/settings');
  })
  .map((f) => ({ file: relative(SRC, f), text: code(f) }));

const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/** Where the option `key` (snake_case or camelCase) is read by name in consumer code. */
function readersOf(key: string): string[] {
  const names = [...new Set([key, camel(key)])];
  const re = new RegExp(`(['"\`])(${names.join('|')})\\1|\\.(${names.join('|')})\\b`);
  return CONSUMERS.filter((c) => re.test(c.text)).map((c) => c.file);
}

test('every config key reaches the settings (or a plugin that reads it), or is refused by name', () => {
  const dead: string[] = [];
  const seen = { typed: 0, bag: 0, refused: 0, keys: 0 };
  for (const cls of CLASS_NAMES) {
    for (const [trait, schema] of Object.entries(CLASSES[cls].own)) {
      const key = `${cls}.${trait}`;
      seen.keys++;
      if (READ_BEFORE_SETTINGS[key]) {
        const file = READ_BEFORE_SETTINGS[key];
        const text = CONSUMERS.find((c) => c.file === file)?.text ?? '';
        if (!text.includes(trait)) dead.push(`${key}: not read in ${file}`);
        continue;
      }
      const value = distinct(key, schema.parse(undefined));
      // resolve() sets spawner_class for the spawner classes (test/helpers/settings-walk.ts).
      const o = outcome(cls, key, {}, { [cls]: { [trait]: value } });
      if (o.kind === 'bag' && !readersOf(trait).length)
        dead.push(`${key}: reaches only ${o.paths.join(', ')}, and no plugin code reads it`);
      else if (o.kind === 'none')
        dead.push(`${key} = ${JSON.stringify(value)} changes nothing in the settings`);
      else seen[o.kind]++;
    }
  }
  assert.deepEqual(dead, [], `documented keys that do nothing:\n${dead.join('\n')}`);
  // Not vacuous: every trait was walked, and most land in typed settings.
  const traits = CLASS_NAMES.reduce((n, c) => n + Object.keys(CLASSES[c].own).length, 0);
  assert.equal(seen.keys, traits);
  assert.ok(traits > 90, `${traits} traits`);
  assert.ok(seen.typed > 60, JSON.stringify(seen));
  assert.ok(seen.bag > 10, JSON.stringify(seen));
});

test('every field of the nested config objects reaches the settings, or is refused by name', () => {
  const dead: string[] = [];
  for (const [key, [base, fields, make]] of Object.entries(NESTED)) {
    const [cls, trait] = key.split('.') as [ClassName, string];
    assert.ok(fields.length > 0, key);
    for (const f of fields) {
      const o = outcome(
        cls,
        `${key}`,
        { [cls]: { [trait]: base } },
        { [cls]: { [trait]: Array.isArray(base) ? [make(f)] : make(f) } },
      );
      if (o.kind !== 'typed' && o.kind !== 'refused') dead.push(`${key} field ${f}: ${o.kind}`);
    }
  }
  assert.deepEqual(dead, [], dead.join('\n'));
});

test('a key is in the schema, the unsupported list or the refused list, never two of them', () => {
  const own = (cls: string) =>
    (CLASSES as Record<string, { own: Record<string, unknown> }>)[cls]?.own ?? {};
  for (const [cls, traits] of Object.entries(UNSUPPORTED_TRAITS))
    for (const t of traits) {
      assert.ok(!(t in own(cls)), `${cls}.${t} is in the schema and unsupported`);
      assert.ok(!(t in (REFUSED_TRAITS[cls] ?? {})), `${cls}.${t} is unsupported and refused`);
    }
  for (const [cls, traits] of Object.entries(REFUSED_TRAITS))
    for (const t of Object.keys(traits))
      assert.ok(!(t in own(cls)), `${cls}.${t} is in the schema and refused`);
});

test('the walk notices a dead key: a trait nobody reads is reported', () => {
  // The same check on a made-up option name that no code reads.
  assert.deepEqual(readersOf('zq_never_read_anywhere'), []);
  assert.ok(readersOf('interrupt_timeout').length > 0, 'a real spawner option is found');
  const o = outcome(
    'Spawner',
    'Spawner.interrupt_timeout',
    {},
    { Spawner: { interrupt_timeout: 77 } },
  );
  assert.equal(o.kind, 'bag');
});

/** Values keyed by names the config chooses (option bags, dicts), not by Settings fields. */
const KEYED_BY_CONFIG = new Set([
  'authenticatorOptions',
  'extra',
  'environment',
  'info',
  'loadGroups',
  'customScopes',
]);

/** Field names of the Settings object (nested objects and list entries too). */
function settingsFields(): string[] {
  const s = resolve('JupyterHub', {
    JupyterHub: { services: [{ name: 'zq' }], load_roles: [{ name: 'zq' }] },
  });
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        if (!KEYED_BY_CONFIG.has(k)) walk(x);
      }
  };
  walk(s);
  return out;
}

test('every Settings field is read outside the mapping (settings-from-config.ts)', () => {
  const fields = [...new Set(settingsFields())];
  assert.ok(fields.length > 80, `${fields.length} fields parsed`);
  const users = CONSUMERS.filter((c) => /settings/i.test(c.text));
  const unused = fields.filter(
    (f) =>
      !users.some((c) => new RegExp(`\\.${f}\\b|\\{[^}]*\\b${f}\\b[^}]*\\}\\s*=`).test(c.text)),
  );
  assert.deepEqual(unused, [], `Settings fields nobody reads: ${unused.join(', ')}`);
});
