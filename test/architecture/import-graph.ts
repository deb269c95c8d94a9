/**
 * The import graph of src/ with folders as boxes (src/x/** is box `x`; a top-level file
 * src/y.ts is box `y`), and the layers the boxes belong to. Test files are left out.
 * Used by layers.test.ts (no arrow back up) and gen-import-graph.ts (docs/dev/import-graph.md).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Layers from the top (0) down. A box may import boxes of its own layer or lower ones, never a
 * higher one. cli → hub → http → core → plugins (auth, spawner, proxy, metrics) → plugins/
 * (their registry) → db → security → config → util.
 */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['cli'],
  ['hub'],
  ['http', 'oauth'], // oauth: the OAuth provider's routes, served by the HTTP app
  ['core'],
  ['auth', 'spawner', 'proxy', 'metrics'], // plugins and reporters
  ['plugins'], // the registry and options machinery the plugins share
  ['db'],
  ['security'], // private files, cookie secret, TLS
  ['config'],
  ['util', 'errors', 'errors-docs', 'errors-gen-docs', 'log'],
];

/**
 * Known arrows back up, file to file. Each is being removed (issue 10); an entry that no
 * longer exists fails the test so the list only shrinks. Add nothing here without a reason.
 */
export const ALLOWED_BACK_EDGES: ReadonlyMap<string, string> = new Map([
  // HubContext names the cookie signer's type, an HTTP class (type import only).
  ['src/core/context.ts -> src/http/cookies.ts', 'CookieSigner type in HubContext'],
  // The local spawners build the user environment with core's spawn-env (plugins helper).
  ['src/spawner/local-spawner.ts -> src/core/spawn-env.ts', 'spawn-env moves to spawner/'],
  ['src/spawner/simple-local-process.ts -> src/core/spawn-env.ts', 'spawn-env moves to spawner/'],
  // The DB repository implements the authenticator's own NativeAccountStore type (deliberate,
  // commit 062ffda); the type is to move to db/ or a shared contract file.
  ['src/db/native-accounts.ts -> src/auth/native.ts', 'NativeAccountStore type'],
  // The user/service name rule lives once in core/names.ts; auth's policy and config's checks
  // use it. It belongs in a lower box (util/ or config/) once the services helper's work lands.
  ['src/auth/policy.ts -> src/core/names.ts', 'name rule below core'],
  ['src/config/name-checks.ts -> src/core/names.ts', 'name rule below core'],
  // The statsd reporter reads gauges from the HubContext (type import only).
  ['src/metrics/statsd.ts -> src/core/context.ts', 'HubContext type in the statsd reporter'],
]);

export interface Edge {
  from: string;
  to: string;
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts'))
      out.push(relative(ROOT, p));
  }
  return out;
}

/** The box of a file under src/. */
export function boxOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 2 ? parts[1]!.replace(/\.ts$/, '') : parts[1]!;
}

/** The layer number of a box (throws for a box no layer names, so a new folder is placed). */
export function layerOf(box: string): number {
  const i = LAYERS.findIndex((l) => l.includes(box));
  if (i < 0)
    throw new Error(
      `src/${box} is in no layer: add it to LAYERS in test/architecture/import-graph.ts`,
    );
  return i;
}

// import/export … from '…', import '…', import('…') (type or value; relative specifiers only).
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every relative import between files of src/ (tests excluded). */
export function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const from of walk(join(ROOT, 'src'), [])) {
    const text = readFileSync(join(ROOT, from), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const to = normalize(join(dirname(from), m[1]!)).replace(/\.js$/, '.ts');
      edges.push({ from, to });
    }
  }
  return edges;
}

/** Arrows from a lower layer to a higher one. */
export function backEdges(edges: readonly Edge[]): Edge[] {
  return edges.filter((e) => layerOf(boxOf(e.from)) > layerOf(boxOf(e.to)));
}

/** The folder graph as Markdown: boxes by layer, then each box's arrows with counts. */
export function renderGraph(edges: readonly Edge[]): string {
  const counts = new Map<string, number>();
  for (const e of edges) {
    const a = boxOf(e.from);
    const b = boxOf(e.to);
    if (a !== b) counts.set(`${a} → ${b}`, (counts.get(`${a} → ${b}`) ?? 0) + 1);
  }
  const back = new Set(backEdges(edges).map((e) => `${boxOf(e.from)} → ${boxOf(e.to)}`));
  const lines = [
    '# Import graph of src/ (folders as boxes)',
    '',
    '<!-- Generated by `node --import tsx test/architecture/gen-import-graph.ts`. Do not edit. -->',
    '',
    'Layers from the top; a box imports only its own layer or lower ones',
    '(`test/architecture/layers.test.ts`). Arrows marked ↑ run back up and are on that',
    "test's allow-list, to be removed.",
    '',
    ...LAYERS.map((l, i) => `${i}. ${l.map((b) => `\`${b}\``).join(', ')}`),
    '',
    '| from | to | imports |',
    '|---|---|---|',
    ...[...counts]
      .sort(([a], [b]) => {
        const [fa, ta] = a.split(' → ') as [string, string];
        const [fb, tb] = b.split(' → ') as [string, string];
        return layerOf(fa) - layerOf(fb) || fa.localeCompare(fb) || layerOf(ta) - layerOf(tb);
      })
      .map(([k, n]) => {
        const [a, b] = k.split(' → ');
        return `| \`${a}\` | \`${b}\`${back.has(k) ? ' ↑' : ''} | ${n} |`;
      }),
    '',
  ];
  return lines.join('\n');
}
