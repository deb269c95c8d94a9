import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken, verifyToken } from './token-hash.js';

test('supplied (PBKDF2) tokens verify repeatedly; a wrong token never does, before or after a hit', () => {
  const stored = hashToken('service-secret-token', true);
  assert.match(stored, /^pbkdf2:/);
  assert.equal(verifyToken('service-secret-tokeX', stored), false);
  assert.equal(verifyToken('service-secret-token', stored), true);
  assert.equal(verifyToken('service-secret-token', stored), true); // remembered
  assert.equal(verifyToken('service-secret-tokeX', stored), false);
  // The same token against another stored hash (token replaced with a different one) does not match.
  const other = hashToken('another-token-value', true);
  assert.equal(verifyToken('service-secret-token', other), false);
  assert.equal(verifyToken('another-token-value', other), true);
});

test('generated (SHA-256) tokens verify', () => {
  const stored = hashToken('0123456789abcdef0123456789abcdef', false);
  assert.equal(verifyToken('0123456789abcdef0123456789abcdef', stored), true);
  assert.equal(verifyToken('0123456789abcdef0123456789abcdeX', stored), false);
});
