import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./v8-heap.ts', import.meta.url));

/**
 * Size of the young generation (MB) in a fresh Node process after busy allocation of objects that
 * survive a few scavenges (what makes V8 grow it), with `v8-heap.ts` imported first or not.
 */
function newSpaceAfterAllocation(opts: { load: boolean; nodeArgs?: string[] }): number {
  const script = `
    ${opts.load ? `await import(${JSON.stringify(MODULE)});` : ''}
    const { default: v8 } = await import('node:v8');
    let keep = [];
    for (let n = 0; n < 200; n++) {
      for (let i = 0; i < 20000; i++) keep.push({ a: i, b: 'x' + i });
      if (keep.length > 60000) keep = keep.slice(-40000); // survivors make V8 grow it
      await new Promise((r) => setTimeout(r, 2)); // the event loop turns, as while modules load
    }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(ns.space_size / 1048576);`;
  return numberPrinted(script, opts.nodeArgs);
}

/** Runs `script` in a fresh Node process (tsx, no NODE_OPTIONS) and returns the number it prints. */
function numberPrinted(script: string, nodeArgs: string[] = []): number {
  const out = execFileSync(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return Number(out.trim());
}

test('v8-heap: the young generation stays small; without it, it grows', () => {
  const kept = newSpaceAfterAllocation({ load: true });
  const grown = newSpaceAfterAllocation({ load: false });
  assert.ok(kept <= 8, `young generation with v8-heap: ${kept} MB`);
  assert.ok(grown > kept, `without: ${grown} MB, with: ${kept} MB`);
});

test("v8-heap: an operator's own semi-space flag is left alone", () => {
  const mb = newSpaceAfterAllocation({ load: true, nodeArgs: ['--max-semi-space-size=16'] });
  assert.ok(mb > 16, `with --max-semi-space-size=16 given: ${mb} MB`);
});

/**
 * Largest size (MB) the old generation reaches in a fresh Node process while objects that survive
 * a few scavenges (so they are promoted) and then die are allocated quickly, after a full GC set
 * its limit; with `v8-heap.ts` imported first or not.
 */
function oldSpacePeak(opts: { load: boolean; nodeArgs?: string[] }): number {
  const script = `
    ${opts.load ? `await import(${JSON.stringify(MODULE)});` : ''}
    const { default: v8 } = await import('node:v8');
    const { default: vm } = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const oldMB = () =>
      v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size / 1048576;
    const live = Array.from({ length: 300000 }, (_, i) => ({ a: i, b: 'live' + i }));
    vm.runInNewContext('gc')();
    let peak = 0;
    const ring = [];
    for (let n = 0; n < 150; n++) {
      ring.push(Array.from({ length: 20000 }, (_, i) => ({ a: i, b: 'x' + i })));
      if (ring.length > 4) ring.shift();
      await new Promise((r) => setImmediate(r));
      peak = Math.max(peak, oldMB());
    }
    console.log(live.length && peak);`;
  return numberPrinted(script, opts.nodeArgs);
}

test('v8-heap: garbage does not grow the old generation to a multiple of what lives', () => {
  const kept = oldSpacePeak({ load: true });
  const grown = oldSpacePeak({ load: false });
  assert.ok(
    kept * 1.5 < grown,
    `old generation's peak with v8-heap: ${kept} MB, without: ${grown} MB`,
  );
  const own = oldSpacePeak({ load: true, nodeArgs: ['--heap-growing-percent=300'] });
  assert.ok(
    own > kept * 1.5,
    `with --heap-growing-percent=300 given: ${own} MB (v8-heap: ${kept})`,
  );
});

/**
 * Old generation (MB) in a fresh Node process after a full GC that follows the death of two
 * thirds of many promoted objects, scattered over its pages; with `v8-heap.ts` imported first or
 * not.
 */
function oldSpaceAfterScatteredDeaths(opts: { load: boolean; nodeArgs?: string[] }): number {
  const script = `
    ${opts.load ? `await import(${JSON.stringify(MODULE)});` : ''}
    const { default: v8 } = await import('node:v8');
    const { default: vm } = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const oldMB = () =>
      v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size / 1048576;
    let all = [];
    for (let n = 0; n < 40; n++) {
      all.push(Array.from({ length: 20000 }, (_, i) => ({ a: i, b: 'x' + i })));
      await new Promise((r) => setImmediate(r));
    }
    gc();
    const kept = all.map((batch) => batch.filter((_, i) => i % 3 === 0));
    all = null;
    gc();
    gc();
    console.log(kept.length && oldMB());`;
  return numberPrinted(script, opts.nodeArgs);
}

test('v8-heap: a full GC compacts pages that are a third full', () => {
  const kept = oldSpaceAfterScatteredDeaths({ load: true });
  const left = oldSpaceAfterScatteredDeaths({ load: false });
  assert.ok(kept * 1.5 < left, `old generation with v8-heap: ${kept} MB, without: ${left} MB`);
  const own = oldSpaceAfterScatteredDeaths({
    load: true,
    nodeArgs: ['--no-compact-on-every-full-gc'],
  });
  assert.ok(own > kept * 1.5, `with --no-compact-on-every-full-gc given: ${own} MB`);
});

test('v8-heap: after a quiet spell, busy allocation grows the young generation back to the cap', () => {
  const script = `
    await import(${JSON.stringify(MODULE)});
    const { default: v8 } = await import('node:v8');
    const ns = () =>
      v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    let keep = [];
    const busy = async () => {
      for (let n = 0; n < 200; n++) {
        for (let i = 0; i < 20000; i++) keep.push({ a: i, b: 'x' + i });
        if (keep.length > 60000) keep = keep.slice(-40000);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await busy();
    keep = [];
    // quiet: a little allocation now and then, so scavenges see slow allocation (V8 shrinks it)
    for (let t = 0; t < 40; t++) {
      for (let i = 0; i < 3000; i++) keep.push({ i });
      keep = [];
      await new Promise((r) => setTimeout(r, 250));
    }
    await busy();
    console.log(ns());`;
  const mb = numberPrinted(script);
  assert.equal(mb, 8, `young generation after the quiet spell and busy again: ${mb} MB`);
});
