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
 * A second check: every Settings field is read outside the mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.js';
import { REFUSED_TRAITS, UNSUPPORTED_TRAITS } from '../config/known-traits.js';
import { CLASSES, CLASS_NAMES, type ClassName } from '../config/schema.js';
import { groupSchema, jupyterHubTraits, roleSchema, serviceSchema } from '../config/schema-hub.js';
import { labhubTraits } from '../config/schema-classes.js';
import { objectFields, objectShape } from '../config/schema-util.js';
import { isHubError } from '../errors.js';
import { settingsFromConfig } from './settings-from-config.js';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const EMPTY = mkdtempSync(join(tmpdir(), 'labhub-keys-'));
process.on('exit', () => rmSync(EMPTY, { recursive: true, force: true }));

/** The authenticator whose config chain contains the class (other classes: the dummy one). */
const AUTH_FOR: Partial<Record<ClassName, string>> = {
  LocalAuthenticator: 'pam',
  PAMAuthenticator: 'pam',
  NativeAuthenticator: 'native',
};

/** Classes whose traits only count when the spawner is that class: the spawner_class to set. */
const SPAWNER_FOR: Partial<Record<ClassName, string>> = {
  SimpleLocalProcessSpawner: 'simple',
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
  'ConfigurableHTTPProxy.api_url': 'http://127.0.0.1:4325',
  'Labhub.idle_culler': { enabled: true },
  'Labhub.login_rate_limit': { per_user: 4242 },
};

/** Keys read before the settings exist, with the file that reads them (checked below). */
const READ_BEFORE_SETTINGS: Record<string, string> = {
  // Picks the authenticator plugin; its resolved id is settingsFromConfig's second argument.
  'JupyterHub.authenticator_class': 'auth/choice.ts',
};

let counter = 0;
function distinct(key: string, dflt: unknown): unknown {
  counter++;
  if (key in SPECIAL) return SPECIAL[key];
  if (typeof dflt === 'boolean') return !dflt;
  if (typeof dflt === 'number') return 4000 + counter;
  if (typeof dflt === 'string') return `zq-${counter}`;
  if (Array.isArray(dflt)) return [`zq-${counter}`];
  throw new Error(`${key}: add a distinctive value to SPECIAL (default ${JSON.stringify(dflt)})`);
}

type Outcome = { kind: 'typed' | 'bag' | 'refused' | 'none'; paths: string[] };

function resolve(cls: ClassName, overrides: Record<string, Record<string, unknown>>) {
  const spawner = SPAWNER_FOR[cls];
  if (spawner)
    overrides = { ...overrides, JupyterHub: { ...overrides.JupyterHub, spawner_class: spawner } };
  const loaded = loadConfig({ cwd: EMPTY, overrides });
  return settingsFromConfig(loaded.config, AUTH_FOR[cls] ?? 'dummy') as unknown;
}

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

/** Nested objects whose fields are walked one by one: [base value, fields]. */
const NESTED: Record<string, [unknown, string[], (f: string) => unknown]> = {
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
      // resolve() sets spawner_class for classes in SPAWNER_FOR.
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

/**
 * Paths where two settings differ. Lists are compared whole, and so is a dict that gained a key
 * (unless that key is a listed computed setting, like an option left out).
 */
function leafDiff(a: unknown, b: unknown, path = '', wholeDicts = true): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';
  const objectLists =
    Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every(isObj);
  if (!isObj(a) || !isObj(b) || (Array.isArray(a) && !objectLists)) return [path];
  const paths: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const p = path ? `${path}.${k}` : k;
    if (k in a && k in b) paths.push(...leafDiff(a[k], b[k], p, wholeDicts));
    else if (!wholeDicts || p in COMPUTED_DEFAULTS) paths.push(p);
    else return [path];
  }
  return paths;
}

function valueAt(v: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as never)[k] : undefined), v);
}

/** Equal, where Settings spells an unset value (empty or absent in the config) null. */
function same(setting: unknown, configValue: unknown): boolean {
  if (setting === null && (configValue === '' || configValue === undefined)) return true;
  return isDeepStrictEqual(setting, configValue);
}

/**
 * Settings an empty config gives that are computed from defaults rather than equal to one
 * trait's default: settings path → its value from `{}`.
 */
const COMPUTED_DEFAULTS: Record<string, unknown> = {
  // From base_url, hub_ip, hub_port (or hub_bind_url, hub_connect_ip, hub_connect_url).
  hubPrefix: '/hub/',
  hubApiUrl: 'http://127.0.0.1:8081/hub/api',
  // bind_url (default null) gives ip, port and base_url when they are not set.
  ip: '',
  port: 8000,
  baseUrl: '/',
  // hub_bind_url (default '') gives hubIp and hubPort when set.
  hubIp: '127.0.0.1',
  hubPort: 8081,
  // oauth_token_expires_in (default null): cookie_max_age_days in seconds.
  oauthTokenExpiresIn: 14 * 86400,
  // log_level 'INFO' as a pino level.
  logLevel: 'info',
  // Left to the policy, whose default depends on the authenticator.
  'authenticatorOptions.allow_all': undefined,
  // Spawner.hub_connect_url (default ''): servers use hubApiUrl.
  'spawner.hubApiUrl': null,
  // ConfigurableHTTPProxy.command ['labhub-proxy']: the bundled proxy, run by this node.
  'proxy.command': null,
  // JupyterHub.services: each entry in camelCase.
  services: [],
  // A service's deprecated `admin` (no default): unset means no.
  'services.0.admin': false,
};

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Leaf paths of a settings object (lists and empty dicts are leaves). */
function leaves(v: unknown, path = ''): string[] {
  if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.keys(v).length) return [path];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
}

/** Settings that come from no trait. */
const NOT_FROM_CONFIG = new Set(['jupyterhubVersion', 'labhubVersion']);

test('an empty config gives every setting (and every field of a nested entry) its schema default', () => {
  const problems: string[] = [];
  const seen = new Set<string>();
  let checked = 0;
  for (const cls of CLASS_NAMES) {
    for (const [trait, schema] of Object.entries(CLASSES[cls].own)) {
      const key = `${cls}.${trait}`;
      if (READ_BEFORE_SETTINGS[key]) continue;
      const dflt: unknown = schema.parse(undefined);
      const empty = resolve(cls, {});
      let changed: unknown;
      try {
        changed = resolve(cls, { [cls]: { [trait]: distinct(key, dflt) } });
      } catch (e) {
        if (isHubError(e) && e.userMessage.includes(key)) continue; // a refused value
        throw e;
      }
      for (const p of leafDiff(empty, changed)) {
        checked++;
        seen.add(p);
        const got = valueAt(empty, p);
        // An object trait (idle_culler) lands field by field.
        const field = snake(p.slice(p.lastIndexOf('.') + 1));
        const want =
          dflt && typeof dflt === 'object' && !Array.isArray(dflt) && field in dflt
            ? (dflt as Record<string, unknown>)[field]
            : dflt;
        if (p in COMPUTED_DEFAULTS) {
          if (!isDeepStrictEqual(got, COMPUTED_DEFAULTS[p]))
            problems.push(
              `${p}: ${JSON.stringify(got)} from {}, listed as ${JSON.stringify(COMPUTED_DEFAULTS[p])}`,
            );
        } else if (!same(got, want))
          problems.push(
            `${key} → ${p}: ${JSON.stringify(got)} from {}, but the schema's default is ${JSON.stringify(want)}; if the setting is computed, list it in COMPUTED_DEFAULTS`,
          );
      }
    }
  }
  assert.ok(nestedDefaults(problems, seen) > 25, 'nested fields checked');
  // A setting no trait moves is a constant: a default restated outside the schema.
  for (const p of leaves(resolve('JupyterHub', {})))
    if (!seen.has(p) && !NOT_FROM_CONFIG.has(p) && ![...seen].some((q) => p.startsWith(`${q}.`)))
      problems.push(`${p} does not follow any config key (a default restated outside the schema?)`);
  assert.deepEqual(problems, [], problems.join('\n'));
  assert.ok(checked > 100, `${checked} settings checked`);
});

/** The NESTED walk: an entry's unset fields get their schema default. */
function nestedDefaults(problems: string[], seen: Set<string>): number {
  let checked = 0;
  for (const [key, [base, fields, make]] of Object.entries(NESTED)) {
    const [cls, trait] = key.split('.') as [ClassName, string];
    const shape = objectShape(CLASSES[cls].own[trait]!)!;
    const empty = resolve(cls, { [cls]: { [trait]: base } });
    for (const f of fields) {
      let changed: unknown;
      try {
        changed = resolve(cls, { [cls]: { [trait]: Array.isArray(base) ? [make(f)] : make(f) } });
      } catch (e) {
        if (isHubError(e) && e.userMessage.includes(key)) continue; // a refused value
        throw e;
      }
      const parsed = shape[f]!.safeParse(undefined);
      if (!parsed.success) continue; // a required field has no default
      const want: unknown = parsed.data;
      for (const p of leafDiff(empty, changed, '', false)) {
        checked++;
        seen.add(p);
        const got = valueAt(empty, p);
        const parent = p.slice(0, p.lastIndexOf('.'));
        const ok =
          p in COMPUTED_DEFAULTS
            ? isDeepStrictEqual(got, COMPUTED_DEFAULTS[p])
            : same(got, want) || (got === undefined && same(valueAt(empty, parent), want));
        if (!ok)
          problems.push(
            `${key} field ${f} → ${p}: ${JSON.stringify(got)} when unset, but the schema's default is ${JSON.stringify(want)}`,
          );
      }
    }
  }
  return checked;
}
