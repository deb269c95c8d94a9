/**
 * Layering of src/: cli → hub → http → core → plugins → db → security → config → util, with no
 * import running back up except the commented allow-list in import-graph.ts (which may only
 * shrink). Prints the folder graph; docs/dev/import-graph.md has it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALLOWED_BACK_EDGES,
  backEdges,
  boxOf,
  importEdges,
  layerOf,
  renderGraph,
} from './import-graph.js';

const edges = importEdges();

test('every folder of src/ is placed in a layer', () => {
  for (const e of edges)
    for (const f of [e.from, e.to]) assert.doesNotThrow(() => layerOf(boxOf(f)));
});

test('no import of src/ runs back up the layers (except the allow-listed ones being removed)', (t) => {
  t.diagnostic(`\n${renderGraph(edges)}`);
  const found = [...new Set(backEdges(edges).map((e) => `${e.from} -> ${e.to}`))];
  const unexpected = found.filter((k) => !ALLOWED_BACK_EDGES.has(k));
  assert.deepEqual(
    unexpected,
    [],
    `imports running back up the layers (move the code down, or pass what it needs in):\n  ${unexpected.join('\n  ')}`,
  );
  const stale = [...ALLOWED_BACK_EDGES.keys()].filter((k) => !found.includes(k));
  assert.deepEqual(
    stale,
    [],
    `allow-listed back-edges that no longer exist: delete them from ALLOWED_BACK_EDGES in test/architecture/import-graph.ts`,
  );
});

test('the walk sees imports of every kind: value, type-only and dynamic', () => {
  const has = (from: string, to: string) => edges.some((e) => e.from === from && e.to === to);
  assert.ok(has('src/hub.ts', 'src/http/app.ts'), 'a value import');
  assert.ok(has('src/core/context.ts', 'src/security/cookie-signer.ts'), 'a type-only import');
  assert.ok(has('src/cli/main.ts', 'src/proxy/server/cli.ts'), 'a dynamic import()');
});
