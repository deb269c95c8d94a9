import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boolAttr,
  escapeHtml,
  html,
  joinHtml,
  jsonScript,
  safeUrl,
  SafeHtml,
  trustedHtml,
} from './html.js';

test('escapeHtml escapes the five HTML-significant characters and the backtick', () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&\`</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
  );
});

test('html`` escapes text and attribute values but keeps SafeHtml', () => {
  const evil = `"><script>alert(1)</script>`;
  const out = html`<p title="${evil}">${evil}${html`<b>ok</b>`}</p>`.value;
  assert.equal(
    out,
    '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;<b>ok</b></p>',
  );
  assert.ok(!out.includes('<script>'));
});

test('html`` renders arrays, numbers and drops null/undefined/false', () => {
  const items = ['a<', 'b'];
  const out = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${null}${undefined}${false}${0}`
    .value;
  assert.equal(out, '<ul><li>a&lt;</li><li>b</li></ul>0');
});

test('URL attributes starting with a hole refuse javascript: and data: URLs', () => {
  for (const bad of [
    'javascript:alert(1)',
    ' JaVa\tScRiPt:alert(1)',
    'data:text/html,<b>',
    'vbscript:x',
  ]) {
    const out = html`<a href="${bad}">x</a>`.value;
    assert.match(out, /href="about:invalid#blocked"/, bad);
  }
  assert.equal(
    html`<a href="${'/hub/home?x=1&y=2'}">x</a>`.value,
    '<a href="/hub/home?x=1&amp;y=2">x</a>',
  );
  assert.equal(
    html`<form action="${'https://example.org/a'}"></form>`.value,
    '<form action="https://example.org/a"></form>',
  );
  assert.match(html`<div data-spawn-url="${'javascript:x'}"></div>`.value, /about:invalid/);
  // A hole later in the value is only escaped (the scheme is already fixed by the static part).
  assert.equal(
    html`<a href="/hub/${'javascript:x'}">x</a>`.value,
    '<a href="/hub/javascript:x">x</a>',
  );
  assert.equal(safeUrl('mailto:a@b.c'), 'mailto:a@b.c');
  assert.equal(safeUrl('relative/path'), 'relative/path');
});

test('plain values are refused where escaping cannot protect: unquoted attributes, tags, script, style, comments, handlers', () => {
  const v = 'x onerror=alert(1)';
  assert.throws(() => html`<img src=${v}>`, /unquoted/);
  assert.throws(() => html`<img ${v}>`, /tag outside a quoted attribute/);
  assert.throws(() => html`<${'img src=x onerror=alert(1)'}>`, /tag name/);
  assert.throws(() => html`</${'x'}>`, /only SafeHtml/);
  assert.equal(html`<p>1 < ${'2'}</p>`.value, '<p>1 < 2</p>');
  assert.throws(() => html`<script>var a = ${v}</script>`, /<script>/);
  assert.throws(() => html`<style>${v}</style>`, /<style>/);
  assert.throws(() => html`<!-- ${v} -->`, /comment/);
  assert.throws(() => html`<a onclick="${v}">x</a>`, /onclick/);
  assert.throws(() => html`<a style="${v}">x</a>`, /style/);
  // SafeHtml and empty values are fine inside a tag.
  assert.equal(html`<input${boolAttr('checked', true)}${''}>`.value, '<input checked>');
  assert.equal(html`<input${boolAttr('checked', false)}>`.value, '<input>');
  // After </script> the scanner is back in text context.
  assert.equal(
    html`<script src="/a.js"></script><p>${'<x>'}</p>`.value,
    '<script src="/a.js"></script><p>&lt;x&gt;</p>',
  );
});

test('single-quoted attributes are escaped too', () => {
  assert.equal(html`<a title='${"'><b>"}'>x</a>`.value, `<a title='&#39;&gt;&lt;b&gt;'>x</a>`);
});

test('SafeHtml cannot be forged with new, only created by the module', () => {
  assert.throws(() => new SafeHtml('<b>', Symbol('x')), /html``/);
  assert.equal(trustedHtml('<b>x</b>').value, '<b>x</b>');
  assert.equal(joinHtml([html`<i>a</i>`, html`<i>b</i>`], html`, `).value, '<i>a</i>, <i>b</i>');
  // A look-alike object is escaped, not trusted.
  const fake = { value: '<b>', toString: () => '<b>' } as unknown as string;
  assert.equal(html`<p>${fake}</p>`.value, '<p>&lt;b&gt;</p>');
});

test('jsonScript data cannot close its script element', () => {
  const out = jsonScript('i18n', { a: '</script><script>alert(1)</script>', b: 'x\u2028y&' }).value;
  assert.ok(out.startsWith('<script type="application/json" id="i18n">'));
  assert.equal(out.indexOf('</script>'), out.length - '</script>'.length);
  const json = out.slice(out.indexOf('>') + 1, -'</script>'.length);
  assert.deepEqual(JSON.parse(json), { a: '</script><script>alert(1)</script>', b: 'x\u2028y&' });
  assert.throws(() => jsonScript('a"b', {}), /invalid id/);
});
