/** Writes docs/dev/import-graph.md: `node --import tsx test/architecture/gen-import-graph.ts`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, importEdges, renderGraph } from './import-graph.js';

const target = join(ROOT, 'docs/dev/import-graph.md');
writeFileSync(target, renderGraph(importEdges()));
console.log(`wrote ${target}`);
