#!/usr/bin/env node
// Builds dist/ with tsc only when its inputs changed since the last build: every file under src/
// that tsc compiles, tsconfig.json and package-lock.json (path, size and modification time of each,
// hashed into dist/.labhub-build.json). An up-to-date dist costs a few milliseconds instead of
// tsc's ~50 s. `node scripts/build.mjs --force` always builds. After tsc, scripts/bundle.mjs bundles
// the hub into dist/bundle/ (what bin/labhub.js loads; ~3 s), also when only the bundle is missing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(root, 'dist', '.labhub-build.json');

function inputs(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) inputs(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function fingerprint() {
  const h = createHash('sha256');
  const files = [
    ...inputs(join(root, 'src'), []),
    join(root, 'tsconfig.json'),
    join(root, 'package-lock.json'),
  ];
  for (const f of files) {
    const st = statSync(f);
    h.update(`${relative(root, f)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** Returns the exit status (0 = dist and its bundle are up to date). */
export async function build({ force = false } = {}) {
  const want = fingerprint();
  let have = '';
  try {
    have = JSON.parse(readFileSync(stampFile, 'utf8')).inputs;
  } catch {
    /* never built */
  }
  if (!force && have === want && existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    if (existsSync(join(root, 'dist', 'bundle', 'main.js'))) {
      console.log('build: dist is up to date');
      return 0;
    }
    return bundle();
  }
  const t0 = Date.now();
  console.log('build: compiling src/ to dist/ (tsc -p tsconfig.json)');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    { cwd: root, stdio: 'inherit' },
  );
  if (r.status !== 0) return r.status ?? 1;
  if ((await bundle()) !== 0) return 1;
  writeFileSync(stampFile, JSON.stringify({ inputs: want }) + '\n');
  console.log(`build: done in ${Math.round((Date.now() - t0) / 1000)} s`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await build({ force: process.argv.includes('--force') }));
}
