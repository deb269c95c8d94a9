import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import { loadCookieSecret } from './cookie-secret.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-secret-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const noEnv = {} as NodeJS.ProcessEnv;

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(isHubError(e), `expected a HubError, got ${String(e)}`);
    return { code: e.code, message: e.userMessage };
  }
  assert.fail('expected the cookie secret to be refused');
}

test('a missing file is created with mode 0600 (its new directory 0700) and 32 random bytes in hex, even with umask 0', () => {
  withDir((dir) => {
    const file = join(dir, 'sub', 'cookie_secret');
    const old = process.umask(0);
    let r;
    try {
      r = loadCookieSecret(file, noEnv);
    } finally {
      process.umask(old);
    }
    assert.equal(r.created, true);
    assert.equal(r.source, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
    assert.match(readFileSync(file, 'utf8').trim(), /^[0-9a-f]{64}$/);
    assert.equal(r.secret.length, 32);
    // Loaded again: the same secret, not recreated.
    const again = loadCookieSecret(file, noEnv);
    assert.equal(again.created, false);
    assert.deepEqual(again.secret, r.secret);
    // Two new files differ.
    const other = loadCookieSecret(join(dir, 'other'), noEnv);
    assert.notDeepEqual(other.secret, r.secret);
  });
});

test('a file readable by group or others is made 0600, with a warning naming the file, its old and new mode and how to replace the secret', () => {
  withDir((dir) => {
    const file = join(dir, 'cookie_secret');
    writeFileSync(file, 'ab'.repeat(32) + '\n');
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o666]) {
      chmodSync(file, mode);
      const r = loadCookieSecret(file, noEnv);
      assert.deepEqual(r.secret, Buffer.from('ab'.repeat(32), 'hex'), 'the same secret is used');
      assert.equal(statSync(file).mode & 0o777, 0o600, `mode ${mode.toString(8)} → 600`);
      assert.deepEqual(r.tightened, { file, oldMode: mode, newMode: 0o600 });
      assert.ok(r.warning?.includes(file), 'names the file');
      assert.ok(r.warning?.includes(`mode ${mode.toString(8)}`), 'says the mode it found');
      assert.match(r.warning ?? '', /changed it to 600/);
      assert.match(r.warning ?? '', /forge login cookies/);
      assert.ok(r.warning?.includes(`delete ${file}`), 'says how to replace it');
    }
    for (const mode of [0o600, 0o400]) {
      chmodSync(file, mode);
      const r = loadCookieSecret(file, noEnv);
      assert.deepEqual(r.secret, Buffer.from('ab'.repeat(32), 'hex'), `mode ${mode.toString(8)}`);
      assert.equal(r.warning, undefined, `mode ${mode.toString(8)} is fine as it is`);
      assert.equal(statSync(file).mode & 0o777, mode);
    }
  });
});

test('JPY_COOKIE_SECRET wins over the file; a bad one is refused', () => {
  withDir((dir) => {
    const file = join(dir, 'cookie_secret');
    const hex = 'cd'.repeat(32);
    const r = loadCookieSecret(file, { JPY_COOKIE_SECRET: hex } as NodeJS.ProcessEnv);
    assert.equal(r.source, 'JPY_COOKIE_SECRET');
    assert.deepEqual(r.secret, Buffer.from(hex, 'hex'));
    assert.throws(() => statSync(file), 'no file is written when the env var is set');
    const e = refusal(() =>
      loadCookieSecret(file, { JPY_COOKIE_SECRET: 'not hex' } as NodeJS.ProcessEnv),
    );
    assert.equal(e.code, 'LABHUB_ERR_COOKIE_SECRET');
    assert.match(e.message, /JPY_COOKIE_SECRET/);
  });
});

test('a file with too little secret in it is refused', () => {
  withDir((dir) => {
    const file = join(dir, 'cookie_secret');
    writeFileSync(file, 'abc\n', { mode: 0o600 });
    const e = refusal(() => loadCookieSecret(file, noEnv));
    assert.equal(e.code, 'LABHUB_ERR_COOKIE_SECRET');
    assert.ok(e.message.includes(file));
  });
});
