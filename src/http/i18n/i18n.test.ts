import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { en } from './en.js';
import { zh } from './zh.js';
import { clientMessages, htmlLang, pickLanguage, t } from './index.js';
import { messageParams } from './format.js';

test('en and zh have exactly the same keys', () => {
  const enKeys = Object.keys(en).sort();
  const zhKeys = Object.keys(zh).sort();
  const missing = enKeys.filter((k) => !(k in zh));
  const extra = zhKeys.filter((k) => !(k in en));
  assert.deepEqual(missing, [], `keys missing in zh.ts: ${missing.join(', ')}`);
  assert.deepEqual(extra, [], `keys in zh.ts that en.ts does not have: ${extra.join(', ')}`);
  assert.ok(enKeys.length > 100, 'the catalog is not empty');
});

test('every message is non-empty and uses the same placeholders in both languages', () => {
  const params = messageParams;
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    assert.ok(en[key].trim() && zh[key].trim(), `empty message ${key}`);
    assert.deepEqual(params(zh[key]), params(en[key]), `placeholders differ for ${key}`);
  }
});

test('zh is actually Chinese: most messages contain CJK characters', () => {
  const keys = Object.keys(zh) as (keyof typeof zh)[];
  const cjk = keys.filter((k) => /[\u4e00-\u9fff]/.test(zh[k]));
  // A few are language-neutral (e.g. the em dash); everything else must be translated.
  assert.ok(
    cjk.length >= keys.length - 3,
    `untranslated: ${keys.filter((k) => !cjk.includes(k)).join(', ')}`,
  );
});

test('t fills placeholders and leaves unknown ones visible', () => {
  assert.equal(t('en', 'header.signedInAs', { name: 'alice' }), 'Signed in as alice');
  assert.equal(t('zh', 'header.signedInAs', { name: 'alice' }), '当前用户：alice');
  assert.equal(
    t('en', 'home.namedLimit', { count: 1 }),
    'You are using 1 of {limit} named servers.',
  );
  assert.equal(t('en', 'nav.home'), 'Home');
});

test('pickLanguage: explicit choice, then Accept-Language weights, then English', () => {
  assert.equal(pickLanguage(undefined), 'en');
  assert.equal(pickLanguage(''), 'en');
  assert.equal(pickLanguage('zh-CN,zh;q=0.9,en;q=0.8'), 'zh');
  assert.equal(pickLanguage('en-US,en;q=0.9,zh-CN;q=0.8'), 'en');
  assert.equal(pickLanguage('fr-FR, zh-Hans;q=0.5, en;q=0.4'), 'zh');
  assert.equal(pickLanguage('en;q=0.2, zh-TW;q=0.7'), 'zh');
  assert.equal(pickLanguage('zh;q=0, en'), 'en');
  assert.equal(pickLanguage('de, fr'), 'en');
  assert.equal(pickLanguage('en-US', 'zh'), 'zh');
  assert.equal(pickLanguage('zh-CN', 'en'), 'en');
  assert.equal(pickLanguage('zh-CN', 'klingon'), 'zh');
  assert.equal(pickLanguage('zh-CN', 'zh', 'en'), 'en');
  assert.equal(htmlLang('zh'), 'zh-CN');
});

test('clientMessages sends only js.* keys, filtered by page group', () => {
  const all = clientMessages('en');
  assert.ok(Object.keys(all).every((k) => k.startsWith('js.')));
  const home = clientMessages('zh', ['js.home.']);
  assert.ok('js.home.stopping' in home && 'js.theme.auto' in home && 'js.error.network' in home);
  assert.ok(!('js.admin.deleted' in home));
});

test('every message key the client scripts use exists in the catalog', () => {
  const dir = fileURLToPath(new URL('../static/', import.meta.url));
  const used = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'(js\.[\w.]+)'/g))
      if (!m[1]!.endsWith('.')) used.add(m[1]!);
  }
  // Keys built at run time from a prefix.
  for (const s of ['auto', 'light', 'dark']) used.add(`js.theme.${s}`);
  for (const s of ['running', 'starting', 'stopping', 'stopped']) used.add(`js.status.${s}`);
  assert.ok(used.size > 40, 'the scan found the scripts');
  const missing = [...used].filter((k) => !(k in en));
  assert.deepEqual(
    missing,
    [],
    `keys used by static/*.js but missing in en.ts: ${missing.join(', ')}`,
  );
});
