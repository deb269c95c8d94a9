import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ts } from './models.js';

test('ts: JupyterHub timestamps (microseconds, Z), the same when formatted again, past the memo bound', () => {
  assert.equal(ts(null), null);
  assert.equal(ts(new Date(0)), '1970-01-01T00:00:00.000000Z');
  assert.equal(ts(new Date(0)), '1970-01-01T00:00:00.000000Z');
  assert.equal(ts(new Date(Date.UTC(2026, 11, 2, 3, 4, 5, 123))), '2026-12-02T03:04:05.123000Z');
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 20_000; i += 7)
    assert.equal(ts(new Date(base + i)), `${new Date(base + i).toISOString().slice(0, -1)}000Z`);
  assert.throws(() => ts(new Date(NaN)), RangeError);
});

test('ts: a stored timestamp (ISO text) gives what its Date gives, again from the memo', () => {
  for (const s of ['2026-12-02T20:35:03.123Z', '2026-12-02T20:35:03.000Z', '2026-12-02T20:35:03Z'])
    for (let i = 0; i < 2; i++) assert.equal(ts(s), ts(new Date(s)), s);
  assert.equal(ts('2026-12-02T20:35:03.120Z'), '2026-12-02T20:35:03.120000Z');
  assert.equal(ts(null), null);
});
