// The esbuild bundle bin/labhub.js runs (dist/bundle/, scripts/bundle.mjs; `npm run build`): it is
// there and not older than tsc's output, the libraries only some hubs use stay in chunks that load
// on first use, its files are ASCII, every file a bundled module finds next to itself exists, and
// it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/test-hub.js';

const BUNDLE = join(ROOT, 'dist/bundle');
const MAIN = join(BUNDLE, 'main.js');

type Meta = Record<string, { imports: string[]; packages: string[] }>;

/** What scripts/bundle.mjs wrote next to the bundle: per file, its static imports and packages. */
function meta(): Meta {
  return JSON.parse(readFileSync(join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as Meta;
}

/** main.js and every chunk it imports statically (what a start loads before any import()). */
function eagerFiles(m: Meta): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const i of m[name]?.imports ?? []) visit(i);
  };
  visit('main.js');
  return [...seen];
}

test('the bundle is built, not older than tsc output, and runs', () => {
  assert.ok(existsSync(MAIN), `${MAIN} is missing: run npm run build`);
  assert.ok(
    statSync(MAIN).mtimeMs >= statSync(join(ROOT, 'dist/cli/main.js')).mtimeMs,
    'dist/bundle/ is older than dist/cli/main.js: run npm run build (bin/labhub.js would fall back)',
  );
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = spawnSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('lazily imported libraries stay out of what a start loads', () => {
  const m = meta();
  assert.deepEqual(
    Object.keys(m).sort(),
    readdirSync(BUNDLE).sort(),
    'dist/bundle-meta.json is stale',
  );
  const eager = eagerFiles(m);
  assert.ok(eager.length < readdirSync(BUNDLE).length, 'no lazy chunk at all');
  const loaded = new Set(eager.flatMap((f) => m[f].packages));
  for (const pkg of ['openid-client', 'ldapts', 'acme-client', '@peculiar/x509'])
    assert.ok(!loaded.has(pkg), `${pkg} is loaded at start (${eager.join(', ')})`);
  assert.ok(loaded.has('kysely'), 'the eager part holds the libraries a start needs');
  const lazy = new Set(Object.keys(m).flatMap((f) => (eager.includes(f) ? [] : m[f].packages)));
  assert.ok(lazy.has('acme-client'), 'the lazy chunks are listed with their packages');
});

test('every bundled file is ASCII, so V8 holds its source one byte per character', () => {
  for (const f of readdirSync(BUNDLE)) {
    const text = readFileSync(join(BUNDLE, f), 'utf8');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${f}: non-ASCII at ${at}: ${text.slice(at - 40, at + 10)}`);
  }
});

test('files bundled modules find next to their tsc output exist', () => {
  const found = new Set<string>();
  for (const f of readdirSync(BUNDLE))
    for (const m of readFileSync(join(BUNDLE, f), 'utf8').matchAll(
      /new URL\("(\.\.\/[^"]+)",\s*import\.meta\.url\)/g,
    ))
      found.add(m[1]);
  assert.ok(found.has('../http/pages/render/context.js'), [...found].join(', '));
  for (const rel of found) assert.ok(existsSync(join(BUNDLE, rel)), `${rel} (from dist/bundle/)`);
});
