import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigDocs } from './docs.js';
import { CLASSES, CLASS_NAMES } from './schema.js';
import { WARNING_CODES } from './warnings.js';

test('docs/config.md is up to date (regenerate: node --import tsx src/config/gen-docs.ts)', () => {
  const onDisk = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
  const fresh = renderConfigDocs();
  // A short message instead of a 20 kB diff: say where it starts to differ.
  const at = [...fresh].findIndex((ch, i) => onDisk[i] !== ch);
  assert.ok(
    onDisk === fresh,
    `docs/config.md is stale (first difference at line ${fresh.slice(0, at).split('\n').length}): run \`node --import tsx src/config/gen-docs.ts\``,
  );
});

test('the docs list every class, trait, default and warning code', () => {
  const doc = renderConfigDocs();
  for (const cls of CLASS_NAMES) {
    assert.match(doc, new RegExp(`^## ${cls}$`, 'm'));
    for (const trait of Object.keys(CLASSES[cls].own))
      assert.ok(doc.includes(`| \`${trait}\` |`), `${cls}.${trait}`);
  }
  for (const code of Object.keys(WARNING_CODES)) assert.ok(doc.includes(`\`${code}\``), code);
  assert.ok(doc.includes('| `port` | int | `8000` |'));
  assert.ok(doc.includes("set('jupyter')"));
});

test('every trait has help text and a type label', () => {
  const doc = renderConfigDocs();
  assert.ok(!/\| {2}\|/.test(doc), 'an empty table cell');
});
