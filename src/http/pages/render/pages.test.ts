// Every page in both languages: a valid frame, CSP-safe markup, _xsrf in forms, labelled inputs;
// zh pages without English. Escaping: pages-escaping.test.ts; what each page shows: pages-content.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { en } from '../../i18n/en.js';
import { zh } from '../../i18n/zh.js';
import { STATIC_DIR, escapeHtml } from './index.js';
import { XSRF, ctx, PAGES } from './page-fixtures.js';

for (const lang of ['en', 'zh'] as const) {
  for (const [name, render] of Object.entries(PAGES)) {
    test(`${name} (${lang}): valid frame, CSP-safe, forms carry _xsrf, inputs have labels`, () => {
      const out = render(ctx(lang)).html;
      assert.ok(out.startsWith('<!doctype html>'));
      assert.match(out, new RegExp(`<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">`));
      assert.match(out, /<main id="main"/);
      assert.match(out, /<a class="skip-link" href="#main">/);
      assert.match(out, /<header class="site-header">/);
      assert.match(out, /<footer class="site-footer">/);
      assert.match(out, new RegExp(`<meta name="xsrf" content="${XSRF}">`));
      assert.match(out, /<link rel="stylesheet" href="\/hub\/static\/style\.css\?v=0\.1\.0">/);
      // CSP: no inline script code, no inline styles, no event-handler attributes.
      for (const m of out.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
        const isData = /type="application\/json"/.test(m[1]!);
        assert.ok(
          isData || (/\ssrc="/.test(m[1]!) && m[2] === ''),
          `inline script in ${name}: ${m[0].slice(0, 80)}`,
        );
      }
      assert.doesNotMatch(out, /<style\b/);
      assert.doesNotMatch(out, /\sstyle="/);
      assert.doesNotMatch(out, /\son[a-z]+="/);
      // Every POST form carries the XSRF token.
      for (const m of out.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
        if (/method="post"/i.test(m[1]!))
          assert.match(
            m[2]!,
            new RegExp(`<input type="hidden" name="_xsrf" value="${XSRF}">`),
            `form without _xsrf in ${name}`,
          );
      }
      // Every visible form control has a label (for=id) or an aria-label.
      for (const m of out.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
        const attrs = m[2]!;
        if (/type="(hidden|submit|button)"/.test(attrs)) continue;
        const id = attrs.match(/\sid="([^"]+)"/)?.[1];
        const labelled =
          /\saria-label="/.test(attrs) ||
          (id !== undefined && out.includes(`<label for="${id}"`)) ||
          (id !== undefined && out.includes(`<label class="visually-hidden" for="${id}"`));
        assert.ok(labelled, `unlabelled control in ${name}: ${m[0]}`);
      }
      // Static files referenced by the page exist.
      for (const m of out.matchAll(/\/hub\/static\/([\w.-]+)\?v=/g))
        assert.ok(existsSync(join(STATIC_DIR, m[1]!)), `missing static file ${m[1]}`);
      // ids are unique.
      const ids = [...out.matchAll(/\sid="([^"]+)"/g)].map((x) => x[1]);
      assert.equal(new Set(ids).size, ids.length, `duplicate id in ${name}`);
    });
  }
}

test('zh pages contain no English catalog text', () => {
  const checks: string[] = [];
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    if (en[key] === zh[key]) continue;
    // Check the static pieces of each English message that the Chinese one does not share.
    for (const piece of en[key].split(/\{\w+\}/)) {
      const p = piece.trim();
      if (p.length >= 4 && !zh[key].includes(p)) checks.push(escapeHtml(p));
    }
  }
  assert.ok(checks.length > 100);
  for (const [name, render] of Object.entries(PAGES)) {
    // Message keys in the embedded client catalog are identifiers, not visible text.
    const out = render(ctx('zh', { announcement: '维护通知' })).html.replace(/"js\.[\w.]+":/g, '');
    const found = checks.filter((c) => out.includes(c));
    assert.deepEqual(found, [], `English text in the zh ${name} page`);
  }
});

test('en pages are English (sanity check that the test above can fail)', () => {
  const out = PAGES.home!(ctx('en')).html;
  assert.ok(out.includes(en['home.title']) && !out.includes(zh['home.title']));
});
