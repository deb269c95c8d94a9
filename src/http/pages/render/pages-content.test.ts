// What each page shows: login forms, header, home actions, spawn pages, token, error, OAuth consent,
// admin shell, new password, and the CSP of every page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  PAGE_CSP,
  STATIC_DIR,
  renderAdmin,
  renderError,
  renderHome,
  renderLogin,
  renderNotRunning,
} from './index.js';
import { ctx, server, PAGES } from './page-fixtures.js';

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
