import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATEST_ISO, isoAfterSeconds } from './time.js';

test('isoAfterSeconds adds seconds, and ends lifetimes past year 9999 at the last stored instant instead of throwing', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');
  assert.equal(isoAfterSeconds(60, now), '2026-12-01T00:01:00.000Z');
  assert.equal(isoAfterSeconds(-1, now), '2026-11-30T23:59:59.000Z');
  assert.equal(isoAfterSeconds(9e12, now), LATEST_ISO);
  assert.equal(isoAfterSeconds(1e300, now), LATEST_ISO);
  assert.equal(isoAfterSeconds(Infinity, now), LATEST_ISO);
});
