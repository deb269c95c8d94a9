/**
 * Imported first by `bin/labhub.js` (and the benchmarks' launcher), before the hub's modules:
 * caps V8's young generation at 2 × 4 MB. By default V8 grows it to two 16 MB semi-spaces as soon
 * as allocation is busy (loading the hub's modules already is) and does not give that back. 2 × 4
 * instead of 2 × 8 MB saves 8 MB of RSS for ~4 % more CPU per read one at a time and ~10 % with 8
 * at once, measured in-process (bench/hub/README.md, round 6): the price of the memory goal.
 *
 * `--max-semi-space-size` is fixed when the heap is made; `--semi-space-growth-factor` is the
 * young-generation flag V8 reads later. Keeping the factor at 1 from the first byte made loading
 * the modules ~60-90 ms slower (a scavenge per MB allocated), so the young generation may grow
 * while the modules load and the factor drops to 1 once it reaches the cap, and back to 2 when
 * V8 has shrunk it (see capYoungGeneration). Node flags given by the operator (command line or
 * NODE_OPTIONS) that mention the semi-space are left alone.
 *
 * The old generation: after each full GC, V8 lets it grow to up to 4 × what survived before the
 * next one when allocation is fast relative to GC speed (as while a start reads 50,000 users, or
 * under a burst of requests), and it is garbage that fills it. `--heap-growing-percent=10` (read
 * by V8 at every full GC, so it holds when set here) makes that 1.1 ×: at 50,000 users and 500
 * running servers the old generation held 32-34 instead of 47-48 MB (hub RSS ~126 instead of ~139
 * MB) with no measurable change in CPU per request, start or spawn (bench/hub/README.md).
 *
 * What survives a burst of requests is scattered over the old generation's pages, and V8's full
 * GC only moves objects off pages that are mostly empty: pages a third full stayed committed.
 * `--compact-on-every-full-gc` (also read at every full GC) moves them off every fragmented page,
 * which took the old generation from 30-36 to ~23 MB after the benchmark's reads at 50,000 users;
 * full GCs are rare (the young generation takes the request garbage), so the extra copying does
 * not show in CPU per request. An operator's own flags for either are left alone.
 */
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

const CAP_MB = 8;

function newSpaceMB(): number {
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  return s ? s.space_size / 1048576 : 0;
}

const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
if (!/heap[-_]growing[-_]percent/.test(given)) v8.setFlagsFromString('--heap-growing-percent=10');
if (!/compact/.test(given)) v8.setFlagsFromString('--compact-on-every-full-gc');
if (!/semi[-_]space/.test(given)) capYoungGeneration();

/**
 * The cap is checked after every garbage collection (a PerformanceObserver's entries arrive at
 * the next turn of the event loop, also between the modules while they load), because V8 shrinks
 * the young generation to 2 × 0.5 MB when allocation is slow at a scavenge (an idle hub) and grows
 * it again only with a growth factor above 1: pinning the factor at 1 kept a hub that had been
 * idle once at a 1-2 MB young generation for good.
 */
function capYoungGeneration(): void {
  let factor = 2; // V8's default
  const check = (): void => {
    const want = newSpaceMB() * 2 <= CAP_MB ? 2 : 1; // one doubling may not pass the cap
    if (want !== factor) v8.setFlagsFromString(`--semi-space-growth-factor=${(factor = want)}`);
  };
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
}
