/**
 * Imported first by `bin/labhub.js` (and the benchmarks' launcher), before the hub's modules:
 * caps V8's young generation at 2 × 8 MB. By default V8 grows it to two 16 MB semi-spaces as soon
 * as allocation is busy (loading the hub's modules already is) and does not give that back. Half
 * of that showed no measurable CPU cost per read with 8 concurrent 200-user pages, while 2 × 1,
 * 2 or 4 MB cost ~25 % more CPU per read (request objects promoted to the old generation before
 * their request ends) for ~50 MB less RSS; see bench/hub/README.md.
 *
 * `--max-semi-space-size` is fixed when the heap is made; `--semi-space-growth-factor` is the
 * young-generation flag V8 reads later. Keeping the factor at 1 from the first byte made loading
 * the modules ~60-90 ms slower (a scavenge per MB allocated), so the young generation may grow
 * while the modules load and the factor drops to 1 once it reaches the cap (checked every
 * millisecond, at the latest after 10 s). Node flags given by the operator (command line or
 * NODE_OPTIONS) that mention the semi-space are left alone.
 *
 * The old generation: after each full GC, V8 lets it grow to up to 4 × what survived before the
 * next one when allocation is fast relative to GC speed (as while a start reads 50,000 users, or
 * under a burst of requests), and it is garbage that fills it. `--heap-growing-percent=10` (read
 * by V8 at every full GC, so it holds when set here) makes that 1.1 ×: at 50,000 users and 500
 * running servers the old generation held 32-34 instead of 47-48 MB (hub RSS ~126 instead of ~139
 * MB) with no measurable change in CPU per request, start or spawn (bench/hub/README.md). An
 * operator's own `--heap-growing-percent` is left alone.
 */
import v8 from 'node:v8';

const CAP_MB = 16;
const LATEST_MS = 10_000;

function newSpaceMB(): number {
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  return s ? s.space_size / 1048576 : 0;
}

const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
if (!/heap[-_]growing[-_]percent/.test(given)) v8.setFlagsFromString('--heap-growing-percent=10');
if (!/semi[-_]space/.test(given)) {
  const t0 = Date.now();
  const timer = setInterval(() => {
    if (newSpaceMB() < CAP_MB && Date.now() - t0 < LATEST_MS) return;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    clearInterval(timer);
  }, 1);
  timer.unref();
}
