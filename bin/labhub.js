#!/usr/bin/env node
// The V8 heap settings first, then (dynamically, so after them) the hub's modules: the esbuild
// bundle (dist/bundle/, `npm run build`; a few files instead of ~950 modules to load) when it is
// at least as new as tsc's output, else tsc's output itself. LABHUB_NO_BUNDLE=1 forces the latter.
import '../dist/cli/v8-heap.js';
import { statSync } from 'node:fs';

const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const modules = new URL('../dist/cli/main.js', import.meta.url);
const mtime = (u) => statSync(u, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const useBundle = !process.env.LABHUB_NO_BUNDLE && mtime(bundle) >= mtime(modules);
await import((useBundle ? bundle : modules).href);
