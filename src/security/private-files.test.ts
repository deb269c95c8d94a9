import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPrivateFile,
  isExposed,
  makePrivateDirs,
  tightenFile,
  tightenedMessage,
  writePrivateFile,
} from './private-files.js';

const mode = (p: string) => statSync(p).mode & 0o777;

function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-private-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('files are created 0600 and the directories labhub makes 0700, under umask 022, 0 or 0277', () =>
  withDir((dir) => {
    for (const mask of [0o022, 0, 0o277]) {
      const sub = join(dir, `m${mask.toString(8)}`, 'a', 'b');
      withUmask(mask, () => {
        assert.equal(createPrivateFile(join(sub, 'db')), true);
        assert.equal(createPrivateFile(join(sub, 'db')), false, 'an existing file is left');
        writePrivateFile(join(sub, 'secret'), 'x');
        writePrivateFile(join(sub, 'once'), 'y', { exclusive: true });
      });
      for (const f of ['db', 'secret', 'once']) assert.equal(mode(join(sub, f)), 0o600, f);
      assert.equal(mode(sub), 0o700);
      assert.equal(mode(join(sub, '..')), 0o700);
      assert.equal(mode(dir), 0o700, 'an existing directory is not changed');
    }
  }));

test('makePrivateDirs leaves existing directories as the operator made them', () =>
  withDir((dir) => {
    chmodSync(dir, 0o755);
    makePrivateDirs(join(dir, 'new'));
    assert.equal(mode(dir), 0o755);
    assert.equal(mode(join(dir, 'new')), 0o700);
  }));

test('writePrivateFile replaces a readable file without ever widening: the new content is only in a 0600 file', () =>
  withDir((dir) => {
    const f = join(dir, 'key.pem');
    writeFileSync(f, 'old');
    chmodSync(f, 0o644);
    withUmask(0o022, () => writePrivateFile(f, 'new secret'));
    assert.equal(readFileSync(f, 'utf8'), 'new secret');
    assert.equal(mode(f), 0o600);
    assert.deepEqual(readdirSync(dir), ['key.pem'], 'no temporary file left');
    assert.throws(() => writePrivateFile(f, 'z', { exclusive: true }), /EEXIST/);
  }));

test('a symlink is never followed when creating a private file', () =>
  withDir((dir) => {
    const target = join(dir, 'elsewhere');
    symlinkSync(target, join(dir, 'db'));
    assert.equal(createPrivateFile(join(dir, 'db')), false, 'the link counts as existing');
    assert.throws(() => writePrivateFile(join(dir, 'db'), 's', { exclusive: true }), /EEXIST/);
    assert.throws(() => readFileSync(target), /ENOENT/, 'nothing was created through the link');
  }));

test('tightenFile removes group and other bits and reports old and new mode; a private file is left alone', () =>
  withDir((dir) => {
    const f = join(dir, 'hub.sqlite');
    writeFileSync(f, '');
    for (const [before, after] of [
      [0o644, 0o600],
      [0o640, 0o600],
      [0o604, 0o600],
      [0o666, 0o600],
      [0o400, null],
      [0o600, null],
    ] as const) {
      chmodSync(f, before);
      assert.equal(isExposed(f), after !== null);
      const t = tightenFile(f);
      if (after === null) assert.equal(t, null, before.toString(8));
      else {
        assert.deepEqual(t, { file: f, oldMode: before, newMode: after });
        assert.equal(mode(f), after);
        assert.equal(
          tightenedMessage('The database file', t!),
          `The database file ${f} was readable by other accounts (mode ${before.toString(8)}); changed it to 600.`,
        );
      }
    }
    assert.equal(tightenFile(join(dir, 'missing')), null);
    chmodSync(f, 0o644);
    assert.deepEqual(tightenFile(f, 0o007), { file: f, oldMode: 0o644, newMode: 0o640 });
  }));
