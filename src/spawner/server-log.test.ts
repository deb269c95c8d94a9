import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followLog, openServerLog, serverLogPath } from './server-log.js';

const dir = mkdtempSync(join(tmpdir(), 'labhub-serverlog-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('each server has its own file: user a-b and server b of user a do not collide', () => {
  assert.notEqual(serverLogPath(dir, 'a-b', ''), serverLogPath(dir, 'a', 'b'));
  assert.notEqual(serverLogPath(dir, 'a', ''), serverLogPath(dir, 'a', 'b'));
  assert.ok(!serverLogPath(dir, '../x', '').includes('/../'), 'no path traversal');
});

test('a server log is private (0600) and emptied at each start', () => {
  const first = openServerLog(join(dir, 'logs'), 'ann', '');
  writeSync(first.fd, 'old run\n');
  closeSync(first.fd);
  const again = openServerLog(join(dir, 'logs'), 'ann', '');
  closeSync(again.fd);
  assert.equal(statSync(again.path).size, 0);
  assert.equal(statSync(again.path).mode & 0o777, 0o600);
});

test('following from the start, and from the end after a restart: every new line arrives once', () => {
  const file = join(dir, 'f.log');
  writeFileSync(file, 'one\ntwo\n');
  let seen = '';
  const a = followLog(file, 0, (t) => (seen += t), 60_000);
  appendFileSync(file, 'three\n');
  a.poll();
  a.stop(); // the hub stops
  assert.equal(seen, 'one\ntwo\nthree\n');
  appendFileSync(file, 'while the hub was down\n');
  let after = '';
  const b = followLog(file, 'end', (t) => (after += t), 60_000);
  appendFileSync(file, 'after the restart: ünïcode\n');
  b.stop(); // stop() reads the rest
  assert.equal(after, 'after the restart: ünïcode\n');
});
