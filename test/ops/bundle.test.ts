// The esbuild bundle bin/labhub.js runs (dist/bundle/, scripts/bundle.mjs; `npm run build`): it is
// there and not older than tsc's output, the libraries only some hubs use stay in chunks that load
// on first use, every file a bundled module finds next to itself exists, and it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/test-hub.js';

const BUNDLE = join(ROOT, 'dist/bundle');
const MAIN = join(BUNDLE, 'main.js');

/** main.js and every chunk it imports statically (what a start loads before any import()). */
function eagerFiles(): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const text = readFileSync(join(BUNDLE, name), 'utf8');
    for (const m of text.matchAll(
      /^\s*(?:import|export)\b[^;'"]*?from\s*"\.\/([^"]+)"|^import\s*"\.\/([^"]+)"/gm,
    ))
      visit(m[1] ?? m[2]);
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
  const eager = eagerFiles();
  assert.ok(eager.length < readdirSync(BUNDLE).length, 'no lazy chunk at all');
  const text = eager.map((f) => readFileSync(join(BUNDLE, f), 'utf8')).join('\n');
  for (const pkg of ['openid-client', 'ldapts', 'acme-client', '@peculiar/x509'])
    assert.ok(
      !text.includes(`// node_modules/${pkg}/`),
      `${pkg} is loaded at start (${eager.join(', ')})`,
    );
  assert.ok(
    text.includes('// node_modules/kysely/'),
    'the eager part holds the libraries a start needs',
  );
});

test('files bundled modules find next to their tsc output exist', () => {
  const found = new Set<string>();
  for (const f of readdirSync(BUNDLE))
    for (const m of readFileSync(join(BUNDLE, f), 'utf8').matchAll(
      /new URL\("(\.\.\/[^"]+)", import\.meta\.url\)/g,
    ))
      found.add(m[1]);
  assert.ok(found.has('../http/pages/render/context.js'), [...found].join(', '));
  for (const rel of found) assert.ok(existsSync(join(BUNDLE, rel)), `${rel} (from dist/bundle/)`);
});
