import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatMessage, messageParams } from './format.js';
import { en, type MessageKey } from './en.js';
import { zh } from './zh.js';
import { t } from './index.js';

/** The browser copy of the formatter, cut out of static/common.js and run here. */
function browserFormatter(lang: string): (tpl: string, p?: Record<string, unknown>) => string {
  const src = readFileSync(fileURLToPath(new URL('../static/common.js', import.meta.url)), 'utf8');
  const from = src.indexOf('  var has = function');
  const to = src.indexOf('  /** Message from the embedded catalog');
  assert.ok(from > 0 && to > from, 'common.js still has its formatter section');
  const make = new Function('window', 'lang', `${src.slice(from, to)}\nreturn formatMessage;`) as (
    w: unknown,
    l: string,
  ) => (tpl: string, p?: Record<string, unknown>) => string;
  return make({ Intl }, lang);
}

test('plurals pick the English singular for 1 and the plural otherwise', () => {
  const tpl = '{count, plural, =0 {No users added.} one {Added # user.} other {Added # users.}}';
  assert.equal(formatMessage(tpl, 'en', { count: 0 }), 'No users added.');
  assert.equal(formatMessage(tpl, 'en', { count: 1 }), 'Added 1 user.');
  assert.equal(formatMessage(tpl, 'en', { count: 3 }), 'Added 3 users.');
  assert.equal(formatMessage(tpl, 'en'), 'Added {count} users.', 'a missing number stays visible');
});

test('Chinese has one plural form; placeholders and other braces around a plural are kept', () => {
  const tpl = '{name}: {n, plural, one {# 个} other {# 个}}，{"k": 1}';
  assert.equal(formatMessage(tpl, 'zh-CN', { name: 'a', n: 1 }), 'a: 1 个，{"k": 1}');
  assert.equal(
    formatMessage('At least {min, plural, one {# character} other {# characters}} ({x}).', 'en', {
      min: 1,
      x: 'y',
    }),
    'At least 1 character (y).',
  );
});

test('the "Added N users" message is singular for one user in English and correct in Chinese', () => {
  assert.equal(t('en', 'js.admin.added', { count: 1 }), 'Added 1 user.');
  assert.equal(t('en', 'js.admin.added', { count: 2 }), 'Added 2 users.');
  assert.equal(t('zh', 'js.admin.added', { count: 1 }), '已添加 1 个用户。');
  assert.equal(t('en', 'signup.passwordHint', { min: 1 }), 'At least 1 character.');
  assert.equal(t('en', 'signup.passwordHint', { min: 8 }), 'At least 8 characters.');
});

test('every catalog message reads as a sentence for 0, 1 and 2: no "1 users", no "1 seconds"', () => {
  for (const [lang, cat] of [
    ['en', en],
    ['zh-CN', zh],
  ] as const) {
    for (const key of Object.keys(en) as MessageKey[]) {
      const tpl = cat[key];
      const names = messageParams(tpl);
      for (const n of [0, 1, 2]) {
        const params = Object.fromEntries(names.map((x) => [x, n]));
        const out = formatMessage(tpl, lang, params);
        assert.doesNotMatch(out, /\{\w+(,|\})/, `${key} leaves a placeholder: ${out}`);
        if (lang === 'en')
          assert.doesNotMatch(
            out,
            /\b1 (users|seconds|characters|servers|named servers|minutes|sign-ups|failures)\b/,
            `${key} for 1: ${out}`,
          );
      }
    }
  }
});

test('the browser formatter in common.js gives the same text for every message', () => {
  for (const [lang, cat] of [
    ['en', en],
    ['zh-CN', zh],
  ] as const) {
    const browser = browserFormatter(lang);
    for (const key of Object.keys(en) as MessageKey[]) {
      const tpl = cat[key];
      for (const n of [0, 1, 2, 5]) {
        const params = Object.fromEntries(messageParams(tpl).map((x) => [x, n]));
        assert.equal(browser(tpl, params), formatMessage(tpl, lang, params), `${lang} ${key}`);
      }
      assert.equal(browser(tpl), formatMessage(tpl, lang), `${lang} ${key} without parameters`);
    }
  }
});
