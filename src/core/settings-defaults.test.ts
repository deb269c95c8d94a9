/**
 * The schema is the only source of defaults: an empty config gives every setting (and every
 * field of a nested entry) the default its schema declares, found by walking every trait, so a
 * new key is covered without touching this file. A setting that no key moves is a default
 * restated outside the schema, and fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { CLASSES, CLASS_NAMES, type ClassName } from '../config/schema.js';
import { objectShape } from '../config/schema-util.js';
import { isHubError } from '../errors.js';
import {
  NESTED,
  READ_BEFORE_SETTINGS,
  distinct,
  resolve,
} from '../../test/helpers/settings-walk.js';

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
  // Labhub.proxy_engine, turned to 'node' by Labhub.letsencrypt's TLS-ALPN-01 challenge.
  proxyEngine: 'auto',
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
