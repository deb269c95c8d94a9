/**
 * Imported first by `bin/labhub.js` (and the benchmarks' launcher), before the hub's modules:
 * keeps V8's young generation at its initial size. By default V8 grows it to two 16 MB
 * semi-spaces as soon as allocation is busy (loading the hub's modules already is), and rarely
 * gives that back; the hub's requests allocate little that lives beyond a request, so the larger
 * young generation bought no measurable CPU (bench/hub/README.md) but cost ~30 MB of RSS.
 * `--semi-space-growth-factor` is the one young-generation flag V8 reads after start-up
 * (`--max-semi-space-size` is fixed when the heap is made). Node flags given by the operator
 * (command line or NODE_OPTIONS) that mention the semi-space are left alone.
 */
import v8 from 'node:v8';

const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
if (!/semi[-_]space/.test(given)) v8.setFlagsFromString('--semi-space-growth-factor=1');
