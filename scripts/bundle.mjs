#!/usr/bin/env node
// Bundles the hub (dist/cli/main.js, tsc's output) with esbuild into dist/bundle/: one ES module
// file plus one chunk per lazily imported part (code splitting keeps every `import()` lazy), so a
// start reads a few files instead of resolving ~950 modules. `bin/labhub.js` loads it when it
// exists; labhub-proxy, the tests and the benchmarks keep using the tsc output next to it.
//
// Code that finds files relative to its own module (`import.meta.url`: static assets, the
// labhub-proxy entry, package.json, createRequire) gets the URL of its tsc output file, so it
// resolves exactly as unbundled. Native and optional packages stay external.
//
// Whitespace and comments are left out (identifiers are kept, so stack traces still name the
// functions) and every file is pure ASCII: V8 keeps each loaded module's source in the heap, as
// one byte per character only when all of it is Latin-1; a single non-ASCII character in a
// comment or a tagged template (esbuild escapes them elsewhere) doubles the size. Together that
// halves the source a start holds (~11 → ~4 MB). dist/bundle-meta.json lists, per output file,
// its static imports and the packages in it (test/ops/bundle.test.ts reads it).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');

/**
 * Packages left to Node's loader: native addons, optional ones, and CommonJS packages only
 * imported lazily (`import()`): a bundled CommonJS package's lazy chunk exports only `default`
 * (module.exports), not its named exports as Node does.
 */
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'node-linux-pam', 'selfsigned'];
/** CommonJS packages both imported statically and lazily; the lazy callers take `.default`. */
const LAZY_DEFAULT_ONLY = ['node_modules/undici/'];

const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const rel = relative(outdir, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

/** Returns the exit status. */
export async function bundle() {
  const esbuild = await import('esbuild');
  const t0 = Date.now();
  rmSync(outdir, { recursive: true, force: true }); // no chunks of an earlier build left behind
  const r = await esbuild
    .build({
      absWorkingDir: root,
      entryPoints: {
        main: join(dist, 'cli', 'main.js'),
        // The hub as a library, for programs that start it in their own process (the benchmarks'
        // bench/lib/labhub-start.mjs): the Hub class, the config loader, the logger.
        hub: join(dist, 'hub.js'),
        config: join(dist, 'config', 'index.js'),
        log: join(dist, 'log.js'),
      },
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: EXTERNAL,
      plugins: [ownUrl],
      // CommonJS packages in an ES module bundle call require() for Node's built-ins.
      banner: {
        js: "import { createRequire as __labhubCreateRequire } from 'node:module'; const require = __labhubCreateRequire(import.meta.url);",
      },
      chunkNames: '[name]-[hash]',
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
      minifyWhitespace: true,
      charset: 'ascii',
    })
    .catch(() => null);
  if (!r) return 1;
  // A lazy import() of a bundled CommonJS package would lose its named exports: refuse it.
  for (const [file, input] of Object.entries(r.metafile.inputs))
    for (const im of input.imports) {
      const target = r.metafile.inputs[im.path];
      if (im.kind !== 'dynamic-import' || im.external || target?.format !== 'cjs') continue;
      if (LAZY_DEFAULT_ONLY.some((p) => im.path.startsWith(p))) continue;
      console.error(
        `bundle: ${file} imports the CommonJS ${im.path} lazily: in the bundle only its default export would exist. Add its package to EXTERNAL in scripts/bundle.mjs (or to LAZY_DEFAULT_ONLY, taking .default).`,
      );
      return 1;
    }
  for (const file of Object.keys(r.metafile.outputs)) {
    const text = readFileSync(join(root, file), 'utf8');
    const ascii = toAscii(text);
    if (ascii === null) {
      console.error(`bundle: ${file} has a non-ASCII character in a String.raw template`);
      return 1;
    }
    if (ascii !== text) writeFileSync(join(root, file), ascii);
  }
  writeFileSync(join(dist, 'bundle-meta.json'), JSON.stringify(summary(r.metafile)));
  const outs = Object.keys(r.metafile.outputs).length;
  console.log(`bundle: dist/bundle/ (${outs} files) in ${Date.now() - t0} ms`);
  return 0;
}

/**
 * `text` with each non-ASCII UTF-16 unit written as a \u escape; null when one is in a String.raw
 * template, whose value would change. Everywhere else (what esbuild leaves: tagged templates, whose
 * tags here read the cooked strings; a few regular expressions) the escape means the same.
 */
function toAscii(text) {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  if (/String\.raw`[^`]*[^\x00-\x7f]/.test(text)) return null;
  return text.replace(
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Per output file (relative to dist/bundle/): its static imports and the packages bundled in it. */
function summary(meta) {
  const out = {};
  for (const [file, o] of Object.entries(meta.outputs)) {
    if (!file.endsWith('.js')) continue;
    const rel = relative(outdir, join(root, file)).split(sep).join('/');
    const packages = new Set();
    for (const input of Object.keys(o.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
      if (m) packages.add(m[1]);
    }
    const imports = o.imports
      .filter((i) => i.kind === 'import-statement' && !i.external)
      .map((i) => relative(outdir, join(root, i.path)).split(sep).join('/'));
    out[rel] = { imports, packages: [...packages].sort() };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await bundle());
}
