#!/usr/bin/env node
// Bundles the hub (dist/cli/main.js, tsc's output) with esbuild into dist/bundle/: one ES module
// file plus one chunk per lazily imported part (code splitting keeps every `import()` lazy), so a
// start reads a few files instead of resolving ~950 modules. `bin/labhub.js` loads it when it
// exists; labhub-proxy, the tests and the benchmarks keep using the tsc output next to it.
//
// Code that finds files relative to its own module (`import.meta.url`: static assets, the
// labhub-proxy entry, package.json, createRequire) gets the URL of its tsc output file, so it
// resolves exactly as unbundled. Native and optional packages stay external.
import { readFileSync, rmSync } from 'node:fs';
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
  const outs = Object.keys(r.metafile.outputs).length;
  console.log(`bundle: dist/bundle/ (${outs} files) in ${Date.now() - t0} ms`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await bundle());
}
