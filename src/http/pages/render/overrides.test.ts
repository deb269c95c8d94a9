import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../../../errors.js';
import {
  loadTemplateOverrides,
  resolveLogo,
  STATIC_DIR,
  renderLogin,
  renderHome,
  renderError,
  TEMPLATE_NAMES,
  TEMPLATE_VARS,
  type PageContext,
} from './index.js';

const base: PageContext = {
  lang: 'en',
  baseUrl: '/',
  hubPrefix: '/hub/',
  user: null,
  xsrf: 'X1',
  version: '1.0',
};

async function withDirs(fn: (a: string, b: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), 'labhub-tpl-'));
  const a = join(root, 'a');
  const b = join(root, 'b');
  await mkdir(a);
  await mkdir(b);
  try {
    await fn(a, b);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('a login.html override replaces the main content; {{var}} is escaped, {{content}} is markup, {{t:key}} is translated', async () => {
  await withDirs(async (a, b) => {
    await writeFile(
      join(a, 'login.html'),
      '<div class="site-banner">Welcome to the {{t:login.title}} page of Physics 101 ({{next}})</div>\n{{ content }}',
    );
    await writeFile(join(b, 'login.html'), '<p>second path loses</p>');
    const templates = await loadTemplateOverrides([join(a, 'missing'), a, b]);
    const next = `/hub/home'><img src=x>`;
    const out = renderLogin({ ...base, templates }, { next, signupEnabled: false }).html;
    assert.match(
      out,
      /<div class="site-banner">Welcome to the Sign in page of Physics 101 \(\/hub\/home&#39;&gt;&lt;img src=x&gt;\)<\/div>/,
    );
    assert.match(out, /<form class="stack" method="post"/);
    assert.doesNotMatch(out, /second path loses/);
    assert.doesNotMatch(out, /<img src=x/);
    const zh = renderLogin(
      { ...base, lang: 'zh', templates },
      { next: '/', signupEnabled: false },
    ).html;
    assert.match(zh, /Welcome to the 登录 page/);
    // Pages without an override are unchanged.
    assert.doesNotMatch(
      renderHome(
        { ...base, user: { name: 'a', admin: false }, templates },
        { servers: [], allowNamedServers: false },
      ).html,
      /site-banner/,
    );
  });
});

test('page.html replaces the whole document around the content', async () => {
  await withDirs(async (a) => {
    await writeFile(
      join(a, 'page.html'),
      '<!doctype html><html lang="{{lang}}"><head>{{head}}</head><body class="custom">{{header}}<main id="main">{{content}}</main><p>{{title}} · {{user}}</p></body></html>',
    );
    const templates = await loadTemplateOverrides([a]);
    const out = renderError(
      { ...base, templates, user: { name: '<b>eve</b>', admin: false } },
      { status: 404, message: 'gone' },
    ).html;
    assert.ok(out.startsWith('<!doctype html><html lang="en"><head><meta charset="utf-8">'));
    assert.match(out, /<body class="custom"><header class="site-header">/);
    assert.match(out, /<p>Page not found · &lt;b&gt;eve&lt;\/b&gt;<\/p>/);
    assert.match(out, /<p class="error-message">gone<\/p>/);
    assert.match(out, /<script src="\/hub\/static\/common\.js\?v=1\.0" defer><\/script>/);
  });
});

test('unknown placeholders, unknown message keys and Jinja syntax are refused with file:line', async () => {
  await withDirs(async (a) => {
    await writeFile(join(a, 'home.html'), 'line one\n{{ not_a_var }}');
    await assert.rejects(loadTemplateOverrides([a]), (e: unknown) => {
      assert.ok(isHubError(e));
      assert.equal(e.code, 'LABHUB_ERR_CONFIG');
      assert.match(
        e.message,
        /home\.html:2 uses the placeholder \{\{not_a_var\}\}.*Expected one of: .*spawn_url/,
      );
      return true;
    });
    await writeFile(join(a, 'home.html'), '{{t:no.such.key}}');
    await assert.rejects(loadTemplateOverrides([a]), /asks for message "no\.such\.key"/);
    await writeFile(join(a, 'home.html'), '{% extends "page.html" %}');
    await assert.rejects(loadTemplateOverrides([a]), /home\.html:1 uses Jinja syntax/);
  });
});

test('every template name has a variable list and no paths means no overrides', async () => {
  assert.deepEqual(TEMPLATE_NAMES.sort(), Object.keys(TEMPLATE_VARS).sort());
  assert.equal((await loadTemplateOverrides([])).templates.size, 0);
});

test('resolveLogo: built-in logo by default, an operator file when configured, clear errors otherwise', async () => {
  const def = await resolveLogo();
  assert.equal(def.path, join(STATIC_DIR, 'logo.svg'));
  assert.equal(def.contentType, 'image/svg+xml');
  await withDirs(async (a) => {
    const png = join(a, 'school.png');
    await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    assert.deepEqual(await resolveLogo(png), { path: png, contentType: 'image/png' });
    await assert.rejects(
      resolveLogo(join(a, 'missing.png')),
      /logo_file .*missing\.png cannot be used/,
    );
    await assert.rejects(resolveLogo(join(a, 'logo.txt')), /unsupported extension "\.txt"/);
  });
});
