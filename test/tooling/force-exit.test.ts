// scripts/run-tests.mjs runs files with --test-force-exit; without scripts/test-exit-drain.mjs
// Node 20 can exit a file's process before its last results reach the parent (nodejs/node#64833),
// and the run then reports fewer tests than ran. Many fast files with long test names make the loss
// likely (without the preload, most runs of this test lose some).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const drain = new URL('../../scripts/test-exit-drain.mjs', import.meta.url).pathname;
const FILES = 8;
const TESTS = 20;

test('every test of every file is counted under --test-force-exit, also a failing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-force-exit-'));
  try {
    const files = [];
    for (let f = 0; f < FILES; f++) {
      const name = join(dir, `f${f}.test.mjs`);
      const last = f === FILES - 1 ? "throw new Error('the last test fails');" : '';
      writeFileSync(
        name,
        `import { test } from 'node:test';\n` +
          `for (let i = 0; i < ${TESTS}; i++) test('t${f}-' + i + ' ' + 'x'.repeat(2000), () => {` +
          ` if (i === ${TESTS - 1}) { ${last} } });\n`,
      );
      files.push(name);
    }
    // The test runner of this very file sets NODE_TEST_CONTEXT; the run below is a parent of its own.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    for (let run = 0; run < 3; run++) {
      const r: SpawnSyncReturns<string> = spawnSync(
        process.execPath,
        [
          '--import',
          drain,
          '--test',
          '--test-concurrency=1',
          '--test-reporter=spec',
          '--test-force-exit',
          ...files,
        ],
        { env, encoding: 'utf8' },
      );
      const count = (what: string): number =>
        Number(new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? -1);
      assert.equal(count('pass'), FILES * TESTS - 1, `run ${run}: ${r.stdout.slice(-400)}`);
      assert.equal(count('fail'), 1);
      assert.match(r.stdout, /the last test fails/);
      assert.equal(r.status, 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
