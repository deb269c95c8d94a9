import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOG, HubError } from './errors.js';
import { ERRORS_DOC_COMMAND, renderErrorDocs } from './errors-docs.js';

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

test('docs/errors.md is up to date (regenerate: node --import tsx src/errors-gen-docs.ts)', () => {
  const onDisk = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const fresh = renderErrorDocs();
  const at = [...fresh].findIndex((ch, i) => onDisk[i] !== ch);
  assert.ok(
    onDisk === fresh,
    `docs/errors.md is stale (first difference at line ${fresh.slice(0, at).split('\n').length}): run \`${ERRORS_DOC_COMMAND}\``,
  );
});

test('every catalog entry has an HTTP error status and a meaning', () => {
  for (const [code, e] of Object.entries(ERROR_CATALOG)) {
    assert.ok(e.status >= 400 && e.status <= 599, `${code}: status ${e.status}`);
    assert.ok(e.meaning.length > 10, `${code}: meaning`);
  }
  assert.equal(ERROR_CATALOG.LABHUB_ERR_NOT_FOUND.status, 404);
});
