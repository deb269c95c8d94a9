#!/usr/bin/env node
// The V8 heap settings first, then (dynamically, so after them) the hub's modules.
import '../dist/cli/v8-heap.js';
await import('../dist/cli/main.js');
