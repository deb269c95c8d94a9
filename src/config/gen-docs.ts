/** Rewrites docs/config.md from the schema: `node --import tsx src/config/gen-docs.ts`. */
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from './docs.js';

const target = new URL('../../docs/config.md', import.meta.url);
writeFileSync(target, renderConfigDocs());
console.log(`wrote ${target.pathname}`);
