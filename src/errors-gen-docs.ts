/** Rewrites docs/errors.md from the error catalog: `node --import tsx src/errors-gen-docs.ts`. */
import { writeFileSync } from 'node:fs';
import { renderErrorDocs } from './errors-docs.js';

const target = new URL('../docs/errors.md', import.meta.url);
writeFileSync(target, renderErrorDocs());
console.log(`wrote ${target.pathname}`);
