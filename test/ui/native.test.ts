/**
 * The native authenticator's pages in a real Chromium, in English and Chinese, with
 * NativeAuthenticator's defaults (sign-up on, admin approval) and ask_email_on_signup: sign-up
 * from the login page (mismatched passwords refused, then created and awaiting approval; signing
 * in says so), an admin follows the admin panel's link (with the number waiting) to /hub/signups,
 * approves one sign-up and discards another, the person signs in and changes the password (wrong
 * current password refused, then changed; the new one works). Every page passes the page checks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  t as msg,
  type Lang,
  type MessageKey,
  type MessageParams,
} from '../../src/http/i18n/index.js';
import { createInitialAdmin, type NativeAuthenticator } from '../../src/auth/native.js';
import { startUiHub, type UiHub } from './ui-hub.js';
import { checkPage, expectStatus, login, openPerson, type Person } from './ui.js';

let hub: UiHub;
let adminPassword = '';
before(async () => {
  hub = await startUiHub({
    JupyterHub: { authenticator_class: 'native' },
    NativeAuthenticator: { ask_email_on_signup: true },
    Authenticator: { allow_all: false, admin_users: [] },
  });
  adminPassword = await createInitialAdmin(hub.hub.ctx.store.nativeAccounts, 'boss');
  // The first-login change of a one-time password has its own test (first-login.test.ts).
  await hub.hub.ctx.store.nativeAccounts.update('boss', { mustChangePassword: false });
  await hub.hub.ctx.store.users.ensure('boss', { admin: true });
});
after(async () => {
  await hub?.stop();
});

const text = async (p: Person, sel: string) =>
  ((await p.page.locator(sel).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `native sign-up, approval and change password in ${lang}`,
    { timeout: 120_000 },
    async () => {
      const tr = (k: MessageKey, p?: MessageParams) => msg(lang, k, p);
      const zh = lang === 'zh';
      const user = `${lang}-sam`;
      const locale = zh ? 'zh-CN' : 'en-US';
      const sam = await openPerson(`sam-${lang}`, { locale });
      const boss = await openPerson(`boss-${lang}`, { locale });
      const check = (p: Person, where: string) =>
        checkPage(p, `${lang} native: ${where}`, {
          zh,
          allowEnglish: [user, 'boss', `${lang}-spam`, `${user}@example.org`, 'spam@example.org'],
        });
      try {
        const { page } = sam;
        await page.goto(`${hub.url}/hub/login`);
        await check(sam, 'login with sign-up link');
        await Promise.all([
          page.waitForURL(`${hub.url}/hub/signup`),
          page.locator('a', { hasText: tr('login.signupLink') }).click(),
        ]);
        assert.equal(await text(sam, 'h1'), tr('signup.title'));
        await check(sam, 'sign-up');

        // Different passwords: refused with a message in the page language.
        expectStatus(sam, `${hub.url}/hub/signup`);
        await page.locator('#username').fill(user);
        await page.locator('#email').fill(`${user}@example.org`);
        await page.locator('#password').fill('first-secret-1');
        await page.locator('#password_confirm').fill('other-secret-2');
        const [bad] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        assert.equal(bad.status(), 400);
        await page.waitForLoadState();
        assert.equal(await text(sam, '[role="alert"]'), tr('signup.mismatch'));
        await check(sam, 'sign-up error');
        // No e-mail address: refused with a message in the page language (after the browser's
        // own check, which the empty field would trip first, is bypassed).
        assert.equal(await page.locator('#email').inputValue(), `${user}@example.org`);
        await page.locator('#email').fill('');
        await page.locator('#email').evaluate((el) => el.removeAttribute('required'));
        await page.locator('#password').fill('first-secret-1');
        await page.locator('#password_confirm').fill('first-secret-1');
        const [noMail] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        assert.equal(noMail.status(), 400);
        await page.waitForLoadState();
        assert.equal(await text(sam, '[role="alert"]'), tr('signup.emailMissing'));
        await page.locator('#email').fill(`${user}@example.org`);
        await page.locator('#password').fill('first-secret-1');
        await page.locator('#password_confirm').fill('first-secret-1');
        await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 200),
          page.locator('form button[type="submit"]').click(),
        ]);
        await page.waitForLoadState();
        assert.equal(await text(sam, '.alert-success'), tr('signup.createdPending'));
        await check(sam, 'sign-up done');

        // Signing in before approval says why it does not work yet.
        await page.goto(`${hub.url}/hub/login`);
        expectStatus(sam, `${hub.url}/hub/login`);
        await page.locator('#username').fill(user);
        await page.locator('#password').fill('first-secret-1');
        await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        await page.waitForLoadState();
        assert.equal(await text(sam, '[role="alert"]'), tr('login.awaitingApproval'));
        await check(sam, 'sign-in awaiting approval');

        // A second sign-up, to be discarded.
        const spam = `${lang}-spam`;
        await (hub.hub.ctx.login.authenticator as NativeAuthenticator).signup({
          username: spam,
          password: 'spam-spam-spam',
          email: 'spam@example.org',
        });

        // The admin finds the approvals from the admin panel, with the number waiting.
        await login(
          boss.page,
          hub.url,
          'boss',
          adminPassword,
          `?next=${encodeURIComponent('/hub/admin')}`,
        );
        await boss.page.locator('tr[data-user-row="boss"]').waitFor();
        assert.equal(await text(boss, '#signups-link'), tr('admin.signupsLink', { count: 2 }));
        await Promise.all([
          boss.page.waitForURL(`${hub.url}/hub/signups`),
          boss.page.locator('#signups-link').click(),
        ]);
        assert.equal(await text(boss, 'h1'), tr('signups.title'));
        assert.equal(
          await text(boss, `tr[data-signup="${user}"] td`),
          `${user}@example.org`,
          'the address given at sign-up',
        );
        await check(boss, 'sign-ups awaiting approval');
        await Promise.all([
          boss.page.waitForLoadState(),
          boss.page.locator('button', { hasText: tr('signups.approve', { name: user }) }).click(),
        ]);
        await boss.page
          .locator('.alert-success', { hasText: tr('signups.approved', { name: user }) })
          .waitFor();
        await check(boss, 'sign-up approved');
        await Promise.all([
          boss.page.waitForLoadState(),
          boss.page.locator('button', { hasText: tr('signups.discard', { name: spam }) }).click(),
        ]);
        await boss.page
          .locator('.alert-success', { hasText: tr('signups.discarded', { name: spam }) })
          .waitFor();
        assert.equal(await boss.page.locator('tr[data-signup]').count(), 0);
        assert.equal(await text(boss, '.card p.muted'), tr('signups.none'));
        await check(boss, 'sign-up discarded');

        // Sign in, change the password: a wrong current password is refused, then it works.
        await login(
          page,
          hub.url,
          user,
          'first-secret-1',
          `?next=${encodeURIComponent('/hub/change-password')}`,
        );
        assert.equal(await text(sam, 'h1'), tr('changePassword.title'));
        await check(sam, 'change password');
        expectStatus(sam, `${hub.url}/hub/change-password`);
        await page.locator('#current_password').fill('not-it-at-all');
        await page.locator('#new_password').fill('second-secret-2');
        await page.locator('#new_password_confirm').fill('second-secret-2');
        const [wrong] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        assert.equal(wrong.status(), 403);
        await page.waitForLoadState();
        assert.equal(await text(sam, '[role="alert"]'), tr('changePassword.wrongCurrent'));
        await check(sam, 'change password error');
        await page.locator('#current_password').fill('first-secret-1');
        await page.locator('#new_password').fill('second-secret-2');
        await page.locator('#new_password_confirm').fill('second-secret-2');
        await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 200),
          page.locator('form button[type="submit"]').click(),
        ]);
        await page.waitForLoadState();
        assert.equal(await text(sam, '.alert-success'), tr('changePassword.done'));
        await check(sam, 'password changed');

        await page.goto(`${hub.url}/hub/logout`);
        await login(
          page,
          hub.url,
          user,
          'second-secret-2',
          `?next=${encodeURIComponent('/hub/home')}`,
        );
        assert.equal(new URL(page.url()).pathname, '/hub/home', 'the new password signs in');
      } finally {
        await sam.close();
        await boss.close();
      }
    },
  );
}
