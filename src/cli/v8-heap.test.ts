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
  const out = execFileSync(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return Number(out.trim());
}

test('v8-heap: the young generation stays small; without it, it grows', () => {
  const kept = newSpaceAfterAllocation({ load: true });
  const grown = newSpaceAfterAllocation({ load: false });
  assert.ok(kept <= 16, `young generation with v8-heap: ${kept} MB`);
  assert.ok(grown > kept, `without: ${grown} MB, with: ${kept} MB`);
});

test("v8-heap: an operator's own semi-space flag is left alone", () => {
  const mb = newSpaceAfterAllocation({ load: true, nodeArgs: ['--max-semi-space-size=16'] });
  assert.ok(mb > 16, `with --max-semi-space-size=16 given: ${mb} MB`);
});
