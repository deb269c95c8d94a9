import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHubError } from '../errors.js';
import { MAX_SQL_INT, MAX_TOKEN_EXPIRES_IN, boundedDate, boundedInt } from './bounded-input.js';

function refused(f: () => unknown, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isHubError(e), `expected a HubError, got ${String(e)}`);
    assert.equal(e.status, 400);
    assert.equal(e.code, 'LABHUB_ERR_BAD_REQUEST');
    assert.match(e.userMessage, message);
    return true;
  });
}

test('boundedInt accepts integers in range, from JSON numbers or from digits in text', () => {
  const b = { min: 1, max: MAX_TOKEN_EXPIRES_IN };
  assert.equal(boundedInt(3600, 'expires_in', b), 3600);
  assert.equal(boundedInt(MAX_TOKEN_EXPIRES_IN, 'expires_in', b), MAX_TOKEN_EXPIRES_IN);
  assert.equal(boundedInt('42', 'offset', { min: 0, max: MAX_SQL_INT, text: true }), 42);
  assert.equal(boundedInt('-7', 'offset', { min: -10, max: 10, text: true }), -7);
  assert.equal(boundedInt(3600.9, 'expires_in', { ...b, floor: true }), 3600);
  refused(() => boundedInt(59.5, 'x', { min: 60, max: 99, floor: true }), /got 59.5$/);
  refused(() => boundedInt(Infinity, 'x', { min: 60, max: 99, floor: true }), /got Infinity$/);
});

test('boundedInt refuses huge, negative, fractional, non-finite and string values with a 400 that names the field', () => {
  const b = { min: 1, max: MAX_TOKEN_EXPIRES_IN, hint: '(seconds), or null' };
  for (const v of [9000000000000, 1e300, -1, 0, 1.5, NaN, Infinity, '3600', null, [1], {}])
    refused(() => boundedInt(v, 'expires_in', b), /^expires_in must be an integer from 1 to /);
  refused(() => boundedInt(1e300, 'expires_in', b), / \(seconds\), or null; got 1e\+300$/);
  const q = { min: 0, max: MAX_SQL_INT, text: true };
  for (const v of ['99999999999999999999', '1e3', '1.0', ' 1', '', '0x10', 12])
    refused(() => boundedInt(v, 'offset', q), /^offset must be an integer from 0 to 2147483647/);
});

test('boundedDate parses ISO 8601 (naive = UTC, microseconds, offsets) and refuses anything else', () => {
  assert.equal(
    boundedDate('2026-12-01T10:00:00.123456Z', 'last_activity').toISOString(),
    '2026-12-01T10:00:00.123Z',
  );
  assert.equal(
    boundedDate('2026-12-01T10:00:00', 'last_activity').toISOString(),
    '2026-12-01T10:00:00.000Z',
  );
  assert.equal(
    boundedDate('2026-12-01 12:00:00+0200', 'last_activity').toISOString(),
    '2026-12-01T10:00:00.000Z',
  );
  assert.equal(boundedDate('2026-12-01', 'x').toISOString(), '2026-12-01T00:00:00.000Z');
  for (const v of ['yesterday', 'March 7, 2026', '1', '+275760-09-13T00:00:00Z', 5, null])
    refused(() => boundedDate(v, 'last_activity'), /^last_activity must be an ISO 8601 timestamp/);
  refused(() => boundedDate('2026-02-30T00:00:00Z', 'x'), /is not a valid date and time/);
  refused(() => boundedDate('2026-13-01T00:00:00Z', 'x'), /is not a valid date and time/);
  refused(() => boundedDate('0000-01-01T00:00:00Z', 'x'), /^x must be between 0001-01-01/);
});

test('boundedDate applies the caller bounds and says why', () => {
  const max = new Date('2026-01-01T00:00:00Z');
  refused(
    () =>
      boundedDate('2026-06-01T00:00:00Z', 'last_activity', { max, maxReason: 'is in the future' }),
    /^last_activity 2026-06-01T00:00:00.000Z is in the future$/,
  );
  assert.equal(boundedDate('2025-06-01T00:00:00Z', 'x', { max }).getUTCFullYear(), 2025);
});
