// Pages never turn user-provided text or URLs into markup: next, names, announcements, javascript: links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderAdmin,
  renderChangePassword,
  renderError,
  renderHome,
  renderLogin,
  renderNotRunning,
  renderOAuthConsent,
  renderSignup,
  renderSpawnForm,
  renderSpawnPending,
  renderToken,
  type RenderedPage,
} from './index.js';
import { ctx, decode, attr, server } from './page-fixtures.js';

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
