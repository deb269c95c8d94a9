// Every installed package supports the Node.js versions labhub declares, so `npm ci` prints no
// EBADENGINE warning on them, and the `overrides` in package.json that make this true keep the
// packages they touch working (configurable-http-proxy's own CLI parsing is covered by
// test/proxy/chp-parity.test.ts, which starts the real CHP with its flags).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { ROOT } from '../helpers/test-hub.js';

type Version = [number, number, number];

function parse(v: string): Version {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** How many parts a partial version gives ("20" → 1, "20.9" → 2, "20.9.0" → 3; x/* end it). */
function precision(v: string): number {
  return v.split('.').findIndex((p) => !/^\d+$/.test(p)) === -1
    ? v.split('.').length
    : v.split('.').findIndex((p) => !/^\d+$/.test(p));
}

/** One comparator (`>=20.9.0`, `^20.9.0`, `~1.2`, `20`, `20.x`, `*`) against a version. */
function satisfiesOne(v: Version, c: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*v?([\dx*.]*)$/.exec(c);
  if (!m) throw new Error(`engines syntax this test does not know: "${c}" (extend the test)`);
  const op = m[1] ?? '';
  const raw = m[2] || '*';
  const n = raw === '*' || raw === 'x' ? 0 : precision(raw);
  if (n === 0) return true;
  const base = parse(raw);
  const upper = (level: number): Version =>
    level === 0 ? [base[0] + 1, 0, 0] : [base[0], base[1] + 1, 0];
  switch (op) {
    case '>=':
      return cmp(v, base) >= 0;
    case '>':
      return n < 3 ? cmp(v, upper(n - 1)) >= 0 : cmp(v, base) > 0;
    case '<=':
      return n < 3 ? cmp(v, upper(n - 1)) < 0 : cmp(v, base) <= 0;
    case '<':
      return cmp(v, base) < 0;
    case '^':
      return cmp(v, base) >= 0 && cmp(v, upper(base[0] > 0 || n === 1 ? 0 : 1)) < 0;
    case '~':
      return cmp(v, base) >= 0 && cmp(v, upper(n === 1 ? 0 : 1)) < 0;
    default: // "20", "20.9", "20.9.1", "=20.9.1"
      return n === 3 ? cmp(v, base) === 0 : cmp(v, base) >= 0 && cmp(v, upper(n - 1)) < 0;
  }
}

/** npm's range grammar as engines fields use it: `a || b`, each a space-separated AND. */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((set) =>
    set
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => satisfiesOne(v, c)),
  );
}

test('the engines range reader agrees with npm on the forms the lockfile uses', () => {
  const cases: Array<[string, string, boolean]> = [
    ['20.19.0', '>=20.19', true],
    ['20.20.2', '>=22.12.0', false],
    ['20.20.2', '>=22', false],
    ['20.20.2', '18 || 20 || >=22', true],
    ['21.0.0', '18 || 20 || >=22', false],
    ['20.19.0', '^18.18.0 || ^20.9.0 || >=21.1.0', true],
    ['20.8.0', '^18.18.0 || ^20.9.0 || >=21.1.0', false],
    ['20.19.0', '^20.19.0 || ^22.13.0 || >=24', true],
    ['22.12.0', '^20.19.0 || ^22.13.0 || >=24', false],
    ['20.19.0', '>= 20', true],
    ['20.19.0', '>=12.22.0 <13 || >=14', true],
    ['12.23.0', '>=12.22.0 <13 || >=14', true],
    ['13.1.0', '>=12.22.0 <13 || >=14', false],
    ['20.19.0', '~20.19', true],
    ['20.20.0', '~20.19', false],
    ['20.19.0', '20.x', true],
    ['20.19.0', '*', true],
  ];
  for (const [v, r, want] of cases) assert.equal(satisfies(v, r), want, `${v} in "${r}"`);
});

test("every package in package-lock.json accepts labhub's minimum Node.js and this one (no EBADENGINE)", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const minimum = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node)?.[1];
  assert.ok(minimum, `package.json engines.node is ">=X.Y", got "${pkg.engines.node}"`);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const refused: string[] = [];
  for (const [path, meta] of Object.entries(lock.packages)) {
    const range = Array.isArray(meta.engines) ? undefined : meta.engines?.node;
    if (!path || !range) continue;
    for (const node of [minimum, process.versions.node])
      if (!satisfies(node, range))
        refused.push(`${path}@${meta.version} requires node ${range}, not ${node}`);
  }
  assert.deepEqual(
    refused,
    [],
    'pin a version that supports them with "overrides" in package.json, or raise engines.node',
  );
});

test("fastify's inject (light-my-request with the pinned cookie 1.x) sends the cookies it is given", async () => {
  const app = Fastify();
  app.get('/', (req) => ({ cookie: req.headers.cookie ?? null }));
  try {
    const res = await app.inject({ method: 'GET', url: '/', cookies: { a: 'b c', d: 'é' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { cookie: 'a=b%20c; d=%C3%A9' });
  } finally {
    await app.close();
  }
});
