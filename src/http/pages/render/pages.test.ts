import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { en } from '../../i18n/en.js';
import { zh } from '../../i18n/zh.js';
import type { Lang } from '../../i18n/index.js';
import {
  PAGE_CSP,
  STATIC_DIR,
  escapeHtml,
  renderAdmin,
  renderChangePassword,
  renderError,
  renderHome,
  renderLogin,
  renderNewPassword,
  renderNotRunning,
  renderOAuthConsent,
  renderSignup,
  renderSpawnForm,
  renderSpawnPending,
  renderToken,
  type PageContext,
  type RenderedPage,
} from './index.js';

const XSRF = 'xsrf-TOKEN-123';
function ctx(lang: Lang, over: Partial<PageContext> = {}): PageContext {
  return {
    lang,
    baseUrl: '/',
    hubPrefix: '/hub/',
    user: { name: 'alice', admin: true },
    xsrf: XSRF,
    version: '0.1.0',
    ...over,
  };
}

/** Decodes the entities our escaper produces (test-side, independent of the implementation). */
function decode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}
function attr(htmlText: string, tagPattern: RegExp, name: string): string | undefined {
  const tag = htmlText.match(tagPattern)?.[0];
  const m = tag?.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? decode(m[1]!) : undefined;
}

const server = (over: Record<string, unknown> = {}) => ({
  name: '',
  url: '/user/alice/',
  ready: true,
  pending: null,
  lastActivity: '2026-11-26T03:00:00Z',
  started: '2026-11-26T02:00:00Z',
  ...over,
});

/** Every page with representative data; user-provided text is plain ASCII without catalog phrases. */
const PAGES: Record<string, (c: PageContext) => RenderedPage> = {
  login: (c) =>
    renderLogin(
      { ...c, user: null },
      { next: '/hub/home', signupEnabled: true, error: 'x1', username: 'bob' },
    ),
  loginButton: (c) =>
    renderLogin(
      { ...c, user: null },
      {
        next: '/hub/',
        signupEnabled: false,
        loginButton: { url: '/hub/oauth_login', label: 'GitHub' },
      },
    ),
  signup: (c) => renderSignup({ ...c, user: null }, { requiresApproval: true }),
  signupDone: (c) => renderSignup({ ...c, user: null }, { created: true, requiresApproval: true }),
  changePassword: (c) => renderChangePassword(c, { success: true }),
  newPassword: (c) =>
    renderNewPassword({ ...c, user: null }, { username: 'bob', next: '/hub/home', error: 'x5' }),
  home: (c) =>
    renderHome(c, {
      servers: [
        server(),
        server({ name: 'gpu', url: '/user/alice/gpu/', ready: false }),
        server({ name: 'big', ready: false, pending: 'spawn' }),
      ],
      allowNamedServers: true,
      namedServerLimit: 5,
    }),
  homeEmpty: (c) => renderHome(c, { servers: [], allowNamedServers: false }),
  spawnPending: (c) =>
    renderSpawnPending(c, {
      userName: 'alice',
      serverName: 'gpu',
      progressUrl: '/hub/api/users/alice/servers/gpu/progress',
      nextUrl: '/user/alice/gpu/lab',
    }),
  notRunning: (c) =>
    renderNotRunning(c, {
      userName: 'alice',
      serverName: '',
      spawnUrl: '/hub/spawn/alice?next=%2Fuser%2Falice%2Flab',
      error: 'x2',
      implicitSpawnSeconds: 5,
    }),
  spawnFormProfiles: (c) =>
    renderSpawnForm(c, {
      userName: 'alice',
      serverName: '',
      next: '/user/alice/lab',
      profiles: [
        { slug: 'cpu', displayName: 'CPU', description: 'd1' },
        {
          slug: 'gpu',
          displayName: 'GPU',
          default: true,
          options: [
            {
              name: 'image',
              displayName: 'Image',
              choices: [
                { slug: 'a', displayName: 'A' },
                { slug: 'b', displayName: 'B', default: true },
              ],
              unlisted: 'Other image',
            },
          ],
        },
      ],
    }),
  spawnFormHtml: (c) =>
    renderSpawnForm(c, {
      userName: 'alice',
      serverName: 'x',
      optionsFormHtml: '<label for="mem">Mem</label><input id="mem" name="mem">',
    }),
  token: (c) =>
    renderToken(c, {
      tokens: [
        {
          id: 'a1',
          note: 'n1',
          created: '2026-11-01T00:00:00Z',
          lastActivity: null,
          expiresAt: null,
          scopes: ['read:users'],
        },
        {
          id: 'a2',
          note: null,
          created: null,
          lastActivity: null,
          expiresAt: '2027-01-01T00:00:00Z',
          scopes: [],
          oauthClient: 'Server at /user/alice/',
        },
      ],
    }),
  tokenEmpty: (c) => renderToken(c, { tokens: [] }),
  error404: (c) => renderError(c, { status: 404, message: 'x3' }),
  error500: (c) =>
    renderError({ ...c, user: null }, { status: 500, message: 'x4', errorId: 'err-abc' }),
  oauth: (c) =>
    renderOAuthConsent(c, {
      clientDescription: 'Server at /user/alice/',
      scopes: [
        'access:servers!server=alice/',
        { scope: 'read:users:name!user=alice', description: 'd2' },
      ],
      xsrf: XSRF,
    }),
  admin: (c) => renderAdmin(c, { allowNamedServers: true }),
  adminLinux: (c) => renderAdmin(c, { linuxAccounts: true }),
};

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

const VECTORS = [
  `/hub/home'><img src=x onerror=alert(1)>`,
  `/hub/">injected</a><a>`,
  `javascript:alert(1)`,
  `/hub/</script><script>alert(1)</script>`,
];

test('login: next round-trips as data in the form action, never as markup', () => {
  for (const next of VECTORS) {
    for (const lang of ['en', 'zh'] as const) {
      const out = renderLogin(
        { ...ctx(lang), user: null },
        { next, signupEnabled: false, username: next, error: next },
      ).html;
      assert.doesNotMatch(out, /<img src=x/);
      assert.ok(!out.includes('">injected</a>'));
      assert.ok(!out.includes('<script>alert'));
      const action = attr(out, /<form class="stack" method="post"[^>]*>/, 'action')!;
      assert.equal(new URL(action, 'http://hub.test').searchParams.get('next'), next);
      assert.equal(attr(out, /<input id="username"[^>]*>/, 'value'), next);
      const alert = out.match(/<div class="alert alert-error" role="alert">([^<]*)<\/div>/)?.[1];
      assert.equal(decode(alert!), next);
    }
  }
});

test('user-provided text is escaped on every page', () => {
  const evil = `<img src=x onerror=alert(1)>"'`;
  const c = ctx('en', { user: { name: evil, admin: true }, announcement: evil });
  const pages: RenderedPage[] = [
    renderHome(c, {
      servers: [server({ name: evil, displayName: evil, url: `/user/${evil}/` })],
      allowNamedServers: true,
    }),
    renderSpawnPending(c, {
      userName: evil,
      serverName: evil,
      progressUrl: `/hub/api/users/${evil}/progress`,
      nextUrl: VECTORS[0]!,
    }),
    renderNotRunning(c, {
      userName: evil,
      serverName: evil,
      spawnUrl: `/hub/spawn/${evil}`,
      error: evil,
    }),
    renderSpawnForm(c, {
      userName: evil,
      serverName: evil,
      next: VECTORS[1],
      error: evil,
      profiles: [{ slug: evil, displayName: evil, description: evil }],
    }),
    renderToken(c, {
      tokens: [
        {
          id: evil,
          note: evil,
          created: evil,
          lastActivity: null,
          expiresAt: null,
          scopes: [evil],
          oauthClient: evil,
        },
      ],
    }),
    renderError(c, { status: 403, message: evil, errorId: evil }),
    renderOAuthConsent(c, { clientDescription: evil, scopes: [evil], xsrf: evil }),
    renderAdmin(c),
    renderSignup(c, { username: evil, error: evil }),
    renderChangePassword(c, { error: evil }),
  ];
  for (const p of pages) {
    assert.doesNotMatch(p.html, /<img src=x/);
    assert.ok(p.html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  }
  // The spawn form keeps next as data.
  const form = pages[3]!.html;
  const action = attr(form, /<form class="stack" method="post"[^>]*>/, 'action')!;
  assert.equal(new URL(action, 'http://hub.test').searchParams.get('next'), VECTORS[1]);
});

test('javascript: URLs never reach an href', () => {
  const out = renderLogin(
    { ...ctx('en'), user: null },
    { next: '/', signupEnabled: false, loginButton: { url: 'javascript:alert(1)', label: 'X' } },
  ).html;
  assert.ok(!out.includes('href="javascript:'));
  assert.match(out, /href="about:invalid#blocked"/);
  const home = renderHome(ctx('en'), {
    servers: [server({ url: 'javascript:alert(1)' })],
    allowNamedServers: false,
  }).html;
  assert.ok(!home.includes('javascript:'));
});

test('login shows the password form, the external button, or both', () => {
  const plain = renderLogin(
    { ...ctx('en'), user: null },
    { next: '/hub/', signupEnabled: true },
  ).html;
  assert.match(plain, /name="username"/);
  assert.match(plain, /name="password"/);
  assert.match(plain, /href="\/hub\/signup"/);
  const oauth = renderLogin(
    { ...ctx('en'), user: null },
    {
      next: '/hub/',
      signupEnabled: false,
      loginButton: { url: '/hub/oauth_login?next=%2Fhub%2F', label: 'GitHub' },
    },
  ).html;
  assert.doesNotMatch(oauth, /name="password"/);
  assert.match(oauth, /Sign in with GitHub/);
  const both = renderLogin(
    { ...ctx('zh'), user: null },
    {
      next: '/',
      signupEnabled: false,
      passwordForm: true,
      loginButton: { url: '/x', label: 'GitHub' },
    },
  ).html;
  assert.match(both, /name="password"/);
  assert.match(both, /使用 GitHub 登录/);
  // Anonymous pages show no navigation or logout.
  assert.doesNotMatch(plain, /\/hub\/logout/);
});

test('header: nav, admin link only for admins, language switch, logout, announcement', () => {
  const admin = renderHome(ctx('en', { announcement: 'Maintenance at 18:00' }), {
    servers: [],
    allowNamedServers: false,
  }).html;
  assert.match(admin, /<a href="\/hub\/admin">Admin<\/a>/);
  assert.match(admin, /<a href="\/hub\/home" aria-current="page">Home<\/a>/);
  assert.match(admin, /href="\/hub\/logout"/);
  assert.match(admin, /data-lang="zh"/);
  assert.match(admin, /id="theme-toggle"/);
  assert.match(admin, /<div class="announcement" role="note"[^>]*>Maintenance at 18:00<\/div>/);
  const user = renderHome(ctx('en', { user: { name: 'bob', admin: false } }), {
    servers: [],
    allowNamedServers: false,
  }).html;
  assert.doesNotMatch(user, /\/hub\/admin/);
  const ui = renderHome(ctx('en', { user: { name: 'bob', admin: false, adminUi: true } }), {
    servers: [],
    allowNamedServers: false,
  }).html;
  assert.match(ui, /\/hub\/admin/);
});

test('home: actions follow server state', () => {
  const out = PAGES.home!(ctx('en')).html;
  assert.match(
    out,
    /<a class="button button-primary" href="\/user\/alice\/" aria-label="Open Default server">Open<\/a>/,
  );
  assert.match(out, /data-action="stop" data-server=""/);
  assert.match(out, /href="\/hub\/spawn\/alice\/gpu"/); // stopped named server: start link
  assert.match(out, /data-action="delete" data-server="gpu"/);
  assert.match(out, /data-action="rename" data-server="gpu"/);
  assert.match(out, /href="\/hub\/spawn-pending\/alice\/big"/); // pending: progress link
  assert.match(out, /You are using 3 of 5 named servers\.|You are using 2 of 5 named servers\./);
  assert.match(out, /<script src="\/hub\/static\/home\.js\?v=0\.1\.0" defer><\/script>/);
  const stopped = renderHome(ctx('en'), { servers: [], allowNamedServers: false }).html;
  assert.match(stopped, /href="\/hub\/spawn\/alice"/);
  assert.doesNotMatch(stopped, /new-server-form/);
  const full = renderHome(ctx('en'), {
    servers: [server({ name: 'a' })],
    allowNamedServers: true,
    namedServerLimit: 1,
  }).html;
  assert.match(full, /<input id="new-server-name"[^>]* disabled>/);
});

test('spawn-pending: progress bar, live regions and the stream URL for the client', () => {
  const out = PAGES.spawnPending!(ctx('en')).html;
  assert.match(out, /data-progress-url="\/hub\/api\/users\/alice\/servers\/gpu\/progress"/);
  assert.match(out, /role="progressbar"[^>]*aria-valuenow="0"/);
  assert.match(out, /aria-live="polite"/);
  assert.match(out, /<div class="alert alert-error" role="alert" id="spawn-error" hidden>/);
  assert.match(out, /spawn-pending\.js/);
});

test('not-running: the 424 page has the Launch button and the last error', () => {
  const out = PAGES.notRunning!(ctx('en')).html;
  assert.match(out, /<h1 id="not-running-title">Server not running<\/h1>/);
  assert.match(
    out,
    /<a class="button button-primary" id="launch" href="\/hub\/spawn\/alice\?next=%2Fuser%2Falice%2Flab">Launch server<\/a>/,
  );
  assert.match(out, /role="alert"><h2>The last start failed<\/h2><p>x2<\/p>/);
  assert.match(out, /not-running\.js/);
  const noAuto = renderNotRunning(ctx('zh'), {
    userName: 'alice',
    serverName: '',
    spawnUrl: '/hub/spawn/alice',
  }).html;
  assert.doesNotMatch(noAuto, /not-running\.js/);
  assert.match(noAuto, /启动服务器/);
});

test('spawn form: profiles as radio buttons, operator HTML kept as markup', () => {
  const out = PAGES.spawnFormProfiles!(ctx('en')).html;
  assert.match(out, /<input type="radio" name="profile" id="profile-1" value="gpu" checked>/);
  assert.match(out, /<legend>Environment<\/legend>/);
  // KubeSpawner profile_options: the field names KubeSpawner's form posts
  assert.match(out, /<select name="profile-option-gpu--image" id="profile-1-option-0">/);
  assert.match(out, /<option value="b" selected>B<\/option>/);
  assert.match(out, /<input type="text" name="profile-option-gpu--image--unlisted-choice"/);
  assert.match(out, /action="\/hub\/spawn\/alice\?next=%2Fuser%2Falice%2Flab"/);
  const raw = PAGES.spawnFormHtml!(ctx('en')).html;
  assert.match(
    raw,
    /<div class="options-form"><label for="mem">Mem<\/label><input id="mem" name="mem"><\/div>/,
  );
  assert.match(raw, /action="\/hub\/spawn\/alice\/x"/);
});

test('token page: API tokens and authorized applications, form for the client script', () => {
  const out = PAGES.token!(ctx('en')).html;
  assert.match(out, /data-action="revoke" data-token-id="a1"/);
  assert.match(out, /Authorized applications/);
  assert.match(out, /<option value="0">Never<\/option>/);
  assert.match(out, /<option value="3600">1 hour<\/option>/);
  assert.match(out, /id="token-form"/);
  assert.match(out, /token\.js/);
  assert.match(PAGES.tokenEmpty!(ctx('en')).html, /You have no API tokens\./);
});

test('error page: status, message and error id; never a stack trace', () => {
  const out = PAGES.error500!(ctx('en')).html;
  assert.match(out, /<span class="status-code">500<\/span> Internal error/);
  assert.match(out, /<code class="mono" id="error-id">err-abc<\/code>/);
  assert.doesNotMatch(out, /\bat .*\.(ts|js):\d+/);
  assert.match(renderError(ctx('zh'), { status: 418 }).html, /出错了/);
  assert.match(renderError(ctx('en'), { status: 599 }).html, /Internal error/);
});

test('oauth consent: posts back to the same URL with each scope and _xsrf', () => {
  const out = PAGES.oauth!(ctx('en')).html;
  assert.match(out, /<form method="post" class="stack">/);
  assert.match(out, /<input type="hidden" name="scopes" value="access:servers!server=alice\/">/);
  assert.match(out, /<input type="hidden" name="scopes" value="read:users:name!user=alice">/);
  assert.match(out, /Server at \/user\/alice\/ asks for access/);
  assert.match(PAGES.oauth!(ctx('zh')).html, /位于 \/user\/alice\/ 的服务器请求访问你的账号/);
});

test('admin shell: tabs, search, sort buttons, add-users form; admin grant only for admins', () => {
  const out = PAGES.admin!(ctx('en')).html;
  assert.match(out, /role="tablist"/);
  assert.match(out, /id="user-search"/);
  assert.match(out, /data-sort="name"/);
  assert.match(out, /data-sort="last_activity"/);
  assert.match(out, /id="add-usernames"/);
  assert.match(out, /id="add-admin"/);
  assert.match(out, /data-can-edit-admin="true"/);
  assert.match(out, /admin\.js/);
  assert.match(out, /<body class="page-wide">/);
  const ui = renderAdmin(ctx('en', { user: { name: 'op', admin: false, adminUi: true } })).html;
  assert.doesNotMatch(ui, /id="add-admin"/);
  assert.match(ui, /data-can-edit-admin="false"/);
  // Linux accounts with one-time passwords: only when the hub says it can (PAM as root).
  assert.doesNotMatch(out, /id="add-linux"|admin-accounts\.js/);
  const linux = PAGES.adminLinux!(ctx('en')).html;
  assert.match(linux, /<input type="checkbox" id="add-linux" checked/);
  assert.match(linux, /id="one-time-passwords" hidden/);
  assert.match(linux, /admin-accounts\.js/);
});

test('new-password page: the account, two new-password fields, the next URL; never the old password', () => {
  const out = PAGES.newPassword!(ctx('en')).html;
  assert.match(out, /The password of bob was a one-time password/);
  assert.match(out, /action="\/hub\/new-password\?next=%2Fhub%2Fhome"/);
  assert.match(
    out,
    /id="new_password" name="new_password" type="password" autocomplete="new-password"/,
  );
  assert.match(out, /id="new_password_confirm"/);
  assert.doesNotMatch(out, /current_password|name="password"/);
});

test('PAGE_CSP forbids inline code and framing; STATIC_DIR holds the assets', () => {
  assert.match(PAGE_CSP, /default-src 'self'/);
  assert.match(PAGE_CSP, /script-src 'self'(;|$)/);
  assert.match(PAGE_CSP, /style-src 'self'(;|$)/);
  assert.match(PAGE_CSP, /frame-ancestors 'none'/);
  assert.doesNotMatch(PAGE_CSP, /unsafe-inline|unsafe-eval/);
  for (const f of [
    'style.css',
    'common.js',
    'theme-init.js',
    'home.js',
    'spawn-pending.js',
    'not-running.js',
    'token.js',
    'admin.js',
    'admin-common.js',
    'admin-running.js',
    'admin-groups.js',
    'logo.svg',
  ]) {
    assert.ok(existsSync(join(STATIC_DIR, f)), f);
  }
});
