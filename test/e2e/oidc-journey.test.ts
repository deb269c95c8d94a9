/**
 * The OpenID Connect journey in a real browser, on real parts: Chromium (playwright-core), a real
 * OpenID provider (oidc-provider on loopback, test/auth/oauth/test-provider.ts), the hub with its
 * labhub-proxy process, jupyterhub-singleuser 6 + JupyterLab 4 from labhub's pinned environment.
 *
 * The login page's "Sign in with Lab SSO" → the provider's own login form → back to the hub →
 * the server starts → JupyterLab loads → JupyterLab's File → Log Out → the provider's
 * end-session page (RP-initiated logout, with id_token_hint from the auth state) → confirmed →
 * back on the hub's login page, with the hub session gone. The auth-state keys are set on
 * Authenticator only (Z2JH style) and the user name comes from a template (`{email|localpart}`).
 *
 * The multi-provider page (en/zh, refusals, accessibility) is test/ui/oauth-login.test.ts; the
 * protocol checks (state, PKCE, tokens, refresh) are test/auth/oauth/oidc.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'playwright-core';
import { freePort } from '../helpers/ports.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';
import {
  clickMenu,
  launchBrowser,
  waitForLab,
  LAB_TIMEOUT_MS,
  type TestBrowser,
} from '../helpers/browser.js';
import { startTestProvider, type TestProvider } from '../auth/oauth/test-provider.js';

test(
  'browser: OIDC login at a real provider, the server starts, JupyterLab loads, Log Out ends at the provider',
  { timeout: 10 * 60_000 },
  async (tt) => {
    const env = testEnv('.venv-singleuser6');
    const work = realpathSync(mkdtempSync(join(tmpdir(), 'labhub-oidc-e2e-')));
    const savedKey = process.env.JUPYTERHUB_CRYPT_KEY;
    let idp: TestProvider | null = null;
    let hub: TestHub | null = null;
    let tb: TestBrowser | null = null;
    let failed = true;
    try {
      const port = await freePort();
      idp = await startTestProvider({
        redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`],
        postLogoutRedirectUris: [`http://127.0.0.1:${port}/hub/login`],
        users: { dora: { preferred_username: 'Dora M.', email: 'dora@example.org' } },
      });
      process.env.JUPYTERHUB_CRYPT_KEY = randomBytes(32).toString('hex');
      hub = await startTestHub({
        realSingleuser: true,
        config: {
          JupyterHub: { port, authenticator_class: 'openid' },
          Authenticator: { allow_all: false, allowed_users: ['dora'], enable_auth_state: true },
          OpenIDOAuthenticator: {
            issuer: idp.issuer,
            client_id: idp.clientId,
            client_secret: idp.clientSecret,
            scope: ['openid', 'profile', 'email'],
            username_claim: '{email|localpart}',
            login_service: 'Lab SSO',
          },
          Spawner: { cmd: [env.command], notebook_dir: work, default_url: '/lab' },
        },
      });
      const url = hub.url;
      const issuer = idp.issuer;
      tb = await launchBrowser();
      const page = await (await tb.newUser('dora')).newPage();

      // 1. The hub's login page → "Sign in with Lab SSO" → the provider's own form.
      await page.goto(`${url}/hub/login`);
      await page.getByRole('link', { name: 'Sign in with Lab SSO' }).click();
      await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
      await tb.step(page, 'provider-login');
      await page.locator('input[name="account"]').fill('dora');

      // 2. Back at the hub: with no `next`, spawn → spawn-pending → JupyterLab.
      await Promise.all([
        page.waitForURL(/\/user\/dora\/lab/, { timeout: LAB_TIMEOUT_MS }),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await waitForLab(page);
      await tb.step(page, 'lab');
      const dora = await hub.hub.ctx.store.users.byName('dora');
      assert.equal(typeof dora?.authState?.id_token, 'string', 'auth_state kept (Authenticator.*)');

      // 3. File → Log Out: the server's logout, the hub's, then the provider's end-session page.
      const visited: string[] = [];
      const onRequest = (r: Request) =>
        void (r.isNavigationRequest() && r.frame() === page.mainFrame() && visited.push(r.url()));
      page.on('request', onRequest);
      await clickMenu(page, 'File', 'hub:logout');
      await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/session/end'));
      await tb.step(page, 'provider-logout');
      const end = new URL(visited.find((v) => v.startsWith(`${issuer}/session/end`))!);
      assert.equal(end.searchParams.get('id_token_hint'), dora!.authState!.id_token);
      assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${url}/hub/login`);

      // 4. Confirmed at the provider: back on the hub's login page, signed out of both.
      await Promise.all([
        page.waitForURL((u) => u.origin === url && u.pathname === '/hub/login'),
        page.getByRole('button', { name: /yes/i }).click(),
      ]);
      page.off('request', onRequest);
      assert.deepEqual(
        visited.slice(0, 2).map((v) => new URL(v).pathname),
        ['/user/dora/logout', '/hub/logout'],
        'the logout path',
      );
      await page.getByRole('link', { name: 'Sign in with Lab SSO' }).waitFor();
      await page.goto(`${url}/hub/home`);
      assert.match(page.url(), /\/hub\/login\?next=/, 'the hub session ended');
      failed = false;
    } finally {
      if (failed && tb) {
        const shots = await tb.screenshotAll('failure');
        tt.diagnostic(`screenshots: ${tb.shotDir}\n  ${shots.join('\n  ')}`);
        if (tb.problems.length)
          tt.diagnostic(`browser problems:\n  ${tb.problems.slice(-20).join('\n  ')}`);
      }
      await tb?.close({ keepShots: failed || !!process.env.LABHUB_E2E_SHOTS });
      await hub?.stop();
      await idp?.close();
      if (savedKey === undefined) delete process.env.JUPYTERHUB_CRYPT_KEY;
      else process.env.JUPYTERHUB_CRYPT_KEY = savedKey;
      rmSync(work, { recursive: true, force: true });
    }
  },
);
