/**
 * The multi-provider login page in a real Chromium, in English and Chinese: a real OpenID
 * provider (oidc-provider) at /hub/sso/, the GitHub preset (stand-in) at /hub/github/ and a
 * password form (dummy) on one page. The whole redirect flow in the browser (the provider's own
 * login form), a refusal that says why, and the page checks (axe, clean console and CSP, no
 * English on the Chinese page). The page is tested here only; test/auth/oauth/multi.test.ts
 * covers the rest of several logins at once (user-name prefixes, the password entry, config
 * errors) without a browser, and test/e2e/oidc-journey.test.ts the way on into JupyterLab.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestHub } from '../helpers/test-hub.js';
import type { TestProvider } from '../auth/oauth/test-provider.js';
import { startMultiLoginHub, type MultiLoginHub } from '../auth/oauth/multi-hub.js';
import { checkPage, expectStatus, openPerson } from './ui.js';

let m: MultiLoginHub;
let idp: TestProvider;
let hub: TestHub;

before(async () => {
  m = await startMultiLoginHub();
  ({ idp, hub } = m);
});
after(() => m?.close());

for (const lang of ['en', 'zh'] as const) {
  test(`multi-provider login page (${lang}): provider button and password form, the redirect flow, a refusal that says why`, async () => {
    const person = await openPerson(`oidc-${lang}`, {
      locale: lang === 'zh' ? 'zh-CN' : 'en-US',
    });
    try {
      const { page } = person;
      await page.goto(`${hub.url}/hub/login`);
      const button = page.getByRole('link', {
        name: lang === 'zh' ? '使用 Lab SSO 登录' : 'Sign in with Lab SSO',
      });
      await button.waitFor();
      const github = page.getByRole('link', {
        name: lang === 'zh' ? '使用 GitHub 登录' : 'Sign in with GitHub',
      });
      assert.equal(await github.getAttribute('href'), '/hub/github/oauth_login');
      assert.equal(await button.getAttribute('href'), '/hub/sso/oauth_login');
      assert.equal(await page.locator('#password').count(), 1);
      assert.ok(
        (await checkPage(person, `login (${lang})`, {
          zh: lang === 'zh',
          allowEnglish: ['Lab SSO'],
        })) > 0,
      );

      // Refused: the provider knows zed, the hub does not allow him.
      await button.click();
      await page.waitForURL((u) => u.origin === idp.issuer);
      await page.locator('input[name="account"]').fill('zed');
      expectStatus(person, `${hub.url}/hub/sso/oauth_callback`);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/hub/sso/oauth_callback'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const alert = (await page.getByRole('alert').textContent()) ?? '';
      assert.match(
        alert,
        lang === 'zh'
          ? /你已在 Lab SSO 以“zed”登录，但该账号无权使用本平台/
          : /You signed in at Lab SSO as "zed", but your account is not allowed on this hub/,
      );
      await checkPage(person, `refusal (${lang})`, {
        zh: lang === 'zh',
        allowEnglish: ['Lab SSO', 'zed'],
      });

      // Allowed: dora (after signing out at the provider), through the provider's form, lands
      // on a hub page with a session.
      await person.context.clearCookies({ domain: '127.0.0.2' });
      await page
        .getByRole('link', { name: lang === 'zh' ? '使用 Lab SSO 登录' : 'Sign in with Lab SSO' })
        .click();
      await page.waitForURL((u) => u.origin === idp.issuer);
      await page.locator('input[name="account"]').fill('dora');
      await Promise.all([
        page.waitForURL((u) => u.origin === hub.url && !u.pathname.includes('oauth')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const cookies = await person.context.cookies(`${hub.url}/hub/`);
      assert.ok(cookies.some((c) => c.name === 'jupyterhub-hub-login'));
      assert.ok(await hub.hub.ctx.store.users.byName('dora'));
    } finally {
      await person.close();
    }
  });
}
