import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOG, HubError } from './errors.js';

test('HubError carries code, status and user message', () => {
  const e = new HubError('LABHUB_ERR_NOT_FOUND', 404, 'No such user: bob', {
    logMessage: 'lookup bob',
  });
  assert.equal(e.code, 'LABHUB_ERR_NOT_FOUND');
  assert.equal(e.status, 404);
  assert.equal(e.userMessage, 'No such user: bob');
  assert.equal(e.logMessage, 'lookup bob');
});

test('docs/errors.md lists every error code of the catalog, and nothing else', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/`(LABHUB_ERR_[A-Z_]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(ERROR_CATALOG).sort());
});
