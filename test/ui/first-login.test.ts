/**
 * The forced change of a one-time password in a real Chromium, in English and Chinese: the first
 * admin signs in with the password `labhub --admin` printed, lands on "Choose a new password"
 * (not in the hub), is refused a new password that differs from its confirmation and one equal
 * to the old password, then chooses a good one and arrives where the login was going. The old
 * password no longer signs in. Every page passes the page checks (console, CSP, axe, no English
 * in Chinese).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  t as msg,
  type Lang,
  type MessageKey,
  type MessageParams,
} from '../../src/http/i18n/index.js';
import { createInitialAdmin } from '../../src/auth/native.js';
import { startUiHub, type UiHub } from './ui-hub.js';
import { checkPage, expectStatus, openPerson, type Person } from './ui.js';

let hub: UiHub;
before(async () => {
  hub = await startUiHub({
    JupyterHub: { authenticator_class: 'native' },
    Authenticator: { allow_all: false, admin_users: [] },
  });
});
after(async () => {
  await hub?.stop();
});

const text = async (p: Person, sel: string) =>
  ((await p.page.locator(sel).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `the first login with a one-time password asks for a new one (${lang})`,
    { timeout: 120_000 },
    async () => {
      const tr = (k: MessageKey, p?: MessageParams) => msg(lang, k, p);
      const zh = lang === 'zh';
      const name = `first-${lang}`;
      const otp = await createInitialAdmin(hub.hub.ctx.store.nativeAccounts, name);
      await hub.hub.ctx.store.users.ensure(name, { admin: true });
      const person = await openPerson(name, { locale: zh ? 'zh-CN' : 'en-US' });
      const check = (where: string) =>
        checkPage(person, `${lang} first login: ${where}`, { zh, allowEnglish: [name] });
      const { page } = person;
      const submit = async (pw: string, confirm: string) => {
        await page.locator('#new_password').fill(pw);
        await page.locator('#new_password_confirm').fill(confirm);
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        await page.waitForLoadState();
        return res.status();
      };
      try {
        await page.goto(`${hub.url}/hub/login?next=${encodeURIComponent('/hub/admin')}`);
        await page.locator('#username').fill(name);
        await page.locator('#password').fill(otp);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/hub/new-password'),
          page.locator('form button[type="submit"]').click(),
        ]);
        assert.equal(await text(person, 'h1'), tr('newPassword.title'));
        assert.equal(await text(person, '#np-intro'), tr('newPassword.intro', { name }));
        assert.equal(
          await page.locator('#new_password').evaluate((e) => e === document.activeElement),
          true,
          'the new-password field has the focus',
        );
        await check('choose a new password');

        expectStatus(person, `${hub.url}/hub/new-password`);
        assert.equal(await submit('a-new-secret-1', 'another-secret-2'), 400);
        assert.equal(await text(person, '[role="alert"]'), tr('changePassword.mismatch'));
        await check('passwords differ');
        assert.equal(await submit(otp, otp), 400);
        assert.equal(await text(person, '[role="alert"]'), tr('newPassword.notNew'));
        await check('same as the old password');

        const [, done] = await Promise.all([
          page.waitForURL((u) => u.pathname === '/hub/admin'),
          submit('a-new-secret-1', 'a-new-secret-1'),
        ]);
        assert.equal(done, 302, 'set, then on to where the login was going');
        await page.locator(`tr[data-user-row="${name}"]`).waitFor();
        await check('signed in, on the admin page');

        await page.goto(`${hub.url}/hub/logout`);
        await page.locator('#username').fill(name);
        await page.locator('#password').fill(otp);
        expectStatus(person, `${hub.url}/hub/login`);
        const [old] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.locator('form button[type="submit"]').click(),
        ]);
        assert.equal(old.status(), 403, 'the one-time password is used up');
        await page.waitForLoadState();
        assert.equal(await text(person, '[role="alert"]'), tr('login.failed'));
      } finally {
        await person.close();
      }
    },
  );
}
