/**
 * Every page a user sees, in a real Chromium against a real hub, in English and Chinese
 * (Chinese chosen by Accept-Language here, by ?lang= in the language test below): login with a
 * wrong password, home, start with live progress on spawn-pending, the 424 page and its Launch
 * button, the token page (create with note/expiry/scopes, shown once, revoke), the 404 page and
 * logout. Each page: no console/CSP errors, no serious/critical axe findings, no English on zh.
 * Also: keyboard-only login, the language switch, and a phone viewport without sideways scroll.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  t as msg,
  type Lang,
  type MessageKey,
  type MessageParams,
} from '../../src/http/i18n/index.js';
import { hubFetch } from '../helpers/test-hub.js';
import { startUiHub, type UiHub } from './ui-hub.js';
import {
  PHONE,
  assertNoHorizontalScroll,
  checkPage,
  expectStatus,
  login,
  openPerson,
  type Person,
} from './ui.js';

let hub: UiHub;
before(async () => {
  hub = await startUiHub();
});
after(async () => {
  await hub?.stop();
});

const text = async (p: Person, sel: string) =>
  ((await p.page.locator(sel).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `user pages in ${lang}: login, home, spawn progress, 424, token, 404, logout`,
    { timeout: 180_000 },
    async () => {
      const tr = (k: MessageKey, p?: MessageParams) => msg(lang, k, p);
      const zh = lang === 'zh';
      const user = zh ? 'li' : 'ana';
      const url = hub.url;
      const person = await openPerson(`tour-${lang}`, { locale: zh ? 'zh-CN' : 'en-US' });
      const { page } = person;
      const check = (where: string) =>
        checkPage(person, `${lang} ${where}`, { zh, allowEnglish: [user] });
      let release = () => {};
      try {
        // Login page, then a wrong password: 403 with the error in the page language.
        await page.goto(`${url}/hub/login?next=${encodeURIComponent('/hub/home')}`);
        assert.equal(await text(person, 'h1'), tr('login.title'));
        assert.ok((await check('login')) > 10, 'axe ran its rules');
        expectStatus(person, `${url}/hub/login`);
        await page.locator('#username').fill(user);
        await page.locator('#password').fill('wrong');
        const [bad] = await Promise.all([
          page.waitForResponse(
            (r) => r.request().method() === 'POST' && r.url().includes('/hub/login'),
          ),
          page.locator('form button[type="submit"]').click(),
        ]);
        assert.equal(bad.status(), 403);
        await page.waitForLoadState();
        assert.equal(await text(person, '[role="alert"]'), tr('login.failed'));
        assert.equal(await page.locator('#username').inputValue(), user, 'the user name is kept');
        await check('login with error');
        await page.locator('#password').fill('pw');
        await Promise.all([
          page.waitForURL(`${url}/hub/home`),
          page.locator('form button[type="submit"]').click(),
        ]);

        // Home: the default server is stopped.
        assert.equal(await text(person, 'h1'), tr('home.title'));
        assert.equal(
          await text(person, '#default-server-title ~ .badge, .card-head .badge'),
          tr('status.stopped'),
        );
        await check('home');

        // Start: spawn-pending shows live progress while the stand-in server is held back.
        release = hub.hold(user);
        await Promise.all([
          page.waitForURL(/\/hub\/spawn-pending\//),
          page.locator(`a[href="/hub/spawn/${user}"]`).click(),
        ]);
        assert.equal(await text(person, 'h1'), tr('pending.title'));
        await page.locator('#progress-log li', { hasText: tr('js.pending.msgSpawning') }).waitFor();
        const log = await page.locator('#progress-log li').allTextContents();
        assert.ok(
          log.some((l) => l.includes(tr('js.pending.msgRequested'))),
          `the first event is in the log: ${log.join(' | ')}`,
        );
        assert.ok(
          Number(await page.locator('#progress-bar').getAttribute('aria-valuenow')) >= 50,
          'the progress bar moved',
        );
        await check('spawn-pending');
        release();
        // Ready: the page follows to the server (the stand-in answers with JSON about itself).
        await page.waitForURL((u) => u.pathname === `/user/${user}/`, { timeout: 60_000 });
        assert.match((await page.locator('body').textContent()) ?? '', /"path":/);

        // Home shows it running; stop it there.
        await page.goto(`${url}/hub/home`);
        assert.equal(await text(person, '.card-head .badge'), tr('status.running'));
        await check('home (running)');
        await page.locator('button[data-action="stop"][data-server=""]').click();
        await page
          .locator('.card-head .badge', { hasText: tr('status.stopped') })
          .waitFor({ timeout: 30_000 });
        await check('home (stopped again)');

        // A link to the stopped server: 424 with a Launch button that starts it and goes on.
        expectStatus(person, `${url}/hub/user/${user}/lab`);
        const res424 = await page.goto(`${url}/user/${user}/lab`);
        assert.equal(res424?.status(), 424);
        assert.equal(await text(person, 'h1'), tr('notRunning.title'));
        assert.equal(await text(person, '#launch'), tr('notRunning.launch'));
        await check('424 not running');
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/user/${user}/lab`, { timeout: 60_000 }),
          page.locator('#launch').click(),
        ]);
        assert.match((await page.locator('body').textContent()) ?? '', /"path":/);

        // Token page: create with note, expiry and scopes; the value is shown once; revoke.
        await page.goto(`${url}/hub/token`);
        assert.equal(await text(person, 'h1'), tr('token.title'));
        await check('token');
        const note = `notebook sync ${lang}`;
        await page.locator('#token-note').fill(note);
        await page.locator('#token-expires').selectOption('86400');
        await page.locator('#token-scopes').fill('read:users:activity!user');
        await page.locator('#token-form button[type="submit"]').click();
        await page.locator('#new-token').waitFor({ state: 'visible' });
        const token = await page.locator('#new-token-value').inputValue();
        assert.match(token, /^[A-Za-z0-9_-]{20,}$/);
        assert.equal(await text(person, '#token-status'), tr('js.token.created'));
        await page.locator('tr', { hasText: note }).waitFor();
        await check('token created');
        const tokensRes = await hubFetch(`${hub.api}/users/${user}/tokens`, {
          token: await hub.token('root', { admin: true }),
        });
        const mine = (
          (await tokensRes.json()) as {
            api_tokens: Array<{
              id: string;
              note: string;
              expires_at: string | null;
              scopes: string[];
            }>;
          }
        ).api_tokens.find((x) => x.note === note);
        assert.ok(mine, 'the token exists with its note');
        assert.ok(
          mine.expires_at &&
            Math.abs(Date.parse(mine.expires_at) - Date.now() - 86400_000) < 3600_000,
          `expires in a day: ${mine.expires_at}`,
        );
        assert.ok(
          mine.scopes.includes(`read:users:activity!user=${user}`) &&
            !mine.scopes.some((x) => x.startsWith('servers') || x.startsWith('admin')),
          `only the asked scopes: ${mine.scopes.join(' ')}`,
        );
        assert.equal(
          (await hubFetch(`${hub.api}/user`, { token })).status,
          200,
          'the new token works',
        );
        await page.reload();
        assert.ok(!(await page.content()).includes(token), 'the token is not shown again');
        assert.equal(await page.locator('#new-token').isHidden(), true);
        await page.locator(`tr[data-token-row="${mine.id}"] button[data-action="revoke"]`).click();
        await page.locator(`tr[data-token-row="${mine.id}"]`).waitFor({ state: 'detached' });
        assert.equal(await text(person, '#token-status'), tr('js.token.revoked'));
        assert.equal(
          (await hubFetch(`${hub.api}/user`, { token })).status,
          403,
          'the revoked token no longer works',
        );
        await check('token revoked');

        // 404 page (with the page CSP like every page).
        expectStatus(person, `${url}/hub/no-such-page`);
        const res404 = await page.goto(`${url}/hub/no-such-page`);
        assert.equal(res404?.status(), 404);
        assert.match(res404?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
        assert.equal(await text(person, '#error-title'), `404 ${tr('error.404')}`);
        assert.equal(
          await text(person, '.error-message'),
          tr('error.noPage', { path: '/hub/no-such-page' }),
        );
        await check('404');

        // Log out from the header.
        await Promise.all([page.waitForURL(/\/hub\/login/), page.locator('a.logout').click()]);
        await check('login after logout');
        // Stop the server for the next test.
        await hubFetch(`${hub.api}/users/${user}/server`, {
          method: 'DELETE',
          token: await hub.token('root', { admin: true }),
        });
      } finally {
        release();
        await person.close();
      }
    },
  );
}

test('keyboard only: sign in, skip link', { timeout: 60_000 }, async () => {
  const person = await openPerson('keyboard');
  const { page } = person;
  try {
    await page.goto(`${hub.url}/hub/login?next=${encodeURIComponent('/hub/home')}`);
    // The user name field has the focus on arrival (autofocus); Tab moves on to the password.
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'username',
      'the user name field has the focus',
    );
    await page.keyboard.type('kim');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    await page.keyboard.type('pw');
    await Promise.all([page.waitForURL(`${hub.url}/hub/home`), page.keyboard.press('Enter')]);
    // On the next page, Tab then Enter on the skip link moves focus to the main content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    await checkPage(person, 'home after keyboard login');
  } finally {
    await person.close();
  }
});

test(
  'language: ?lang=zh switches and is remembered; the English link switches back',
  { timeout: 60_000 },
  async () => {
    const person = await openPerson('lang', { locale: 'en-US' });
    const { page } = person;
    try {
      await page.goto(`${hub.url}/hub/login`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      await page.goto(`${hub.url}/hub/login?lang=zh`);
      assert.equal(await text(person, 'h1'), msg('zh', 'login.title'));
      await login(page, hub.url, 'mei', 'pw', `?next=${encodeURIComponent('/hub/home')}`);
      assert.equal(
        await text(person, 'h1'),
        msg('zh', 'home.title'),
        'the choice is kept without ?lang',
      );
      await checkPage(person, 'home via ?lang=zh', { zh: true, allowEnglish: ['mei'] });
      await Promise.all([
        page.waitForLoadState('load'),
        page.waitForURL(`${hub.url}/hub/home`),
        page.locator('a[data-lang="en"]').click(),
      ]);
      await page.locator('h1', { hasText: msg('en', 'home.title') }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      await checkPage(person, 'home after switching back');
    } finally {
      await person.close();
    }
  },
);

test(
  'phone: login, home and admin fit a 375 px screen in both languages',
  { timeout: 120_000 },
  async () => {
    const root = await hub.token('root', { admin: true });
    await hubFetch(`${hub.api}/users`, {
      method: 'POST',
      token: root,
      body: JSON.stringify({ usernames: ['phone-user-with-a-rather-long-name', 'p2', 'p3'] }),
      headers: { 'Content-Type': 'application/json' },
    });
    for (const lang of ['en', 'zh'] as Lang[]) {
      const person = await openPerson(`phone-${lang}`, {
        locale: lang === 'zh' ? 'zh-CN' : 'en-US',
        viewport: PHONE,
      });
      const { page } = person;
      try {
        await page.goto(`${hub.url}/hub/login`);
        await assertNoHorizontalScroll(page, `${lang} phone login`);
        await login(page, hub.url, 'root', 'pw', `?next=${encodeURIComponent('/hub/home')}`);
        await assertNoHorizontalScroll(page, `${lang} phone home`);
        await page.goto(`${hub.url}/hub/admin`);
        await page.locator('tr[data-user-row="p2"]').waitFor();
        await assertNoHorizontalScroll(page, `${lang} phone admin`);
        await page.goto(`${hub.url}/hub/token`);
        await assertNoHorizontalScroll(page, `${lang} phone token`);
        await checkPage(person, `${lang} phone token`, {
          zh: lang === 'zh',
          allowEnglish: ['root'],
        });
      } finally {
        await person.close();
      }
    }
  },
);

test(
  'dark theme: login, home, token and admin pass the checks (contrast included) in both languages',
  { timeout: 120_000 },
  async () => {
    for (const lang of ['en', 'zh'] as Lang[]) {
      const zh = lang === 'zh';
      const person = await openPerson(`dark-${lang}`, {
        locale: zh ? 'zh-CN' : 'en-US',
        colorScheme: 'dark',
      });
      const { page } = person;
      try {
        await page.goto(`${hub.url}/hub/login`);
        assert.equal(
          await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme),
          'dark',
          'the dark palette is in use',
        );
        await checkPage(person, `${lang} dark login`, { zh });
        await login(page, hub.url, 'root', 'pw', `?next=${encodeURIComponent('/hub/home')}`);
        await checkPage(person, `${lang} dark home`, { zh, allowEnglish: ['root'] });
        await page.goto(`${hub.url}/hub/token`);
        await checkPage(person, `${lang} dark token`, { zh, allowEnglish: ['root'] });
        await page.goto(`${hub.url}/hub/admin`);
        await page.locator('tr[data-user-row="root"]').waitFor();
        await checkPage(person, `${lang} dark admin`, { zh, allowEnglish: ['root'] });
      } finally {
        await person.close();
      }
    }
  },
);
