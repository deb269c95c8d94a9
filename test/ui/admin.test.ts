/**
 * The admin panel in a real Chromium against a real hub, in English and in Chinese: an admin
 * adds three users at once, makes one an admin, starts a user's server (the list follows the
 * start live), opens it, sees it on the "running servers" tab, stops it, creates a group and
 * adds members. Every state is checked in the hub's REST API too, and every view passes the
 * page checks (console/CSP, axe-core, no English on the Chinese page).
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
import { checkPage, login, openPerson } from './ui.js';

let hub: UiHub;
let rootToken = '';
before(async () => {
  hub = await startUiHub();
  rootToken = await hub.token('root', { admin: true });
});
after(async () => {
  await hub?.stop();
});

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await hubFetch(`${hub.api}/${path}`, {
    ...init,
    token: rootToken,
    headers: { 'Content-Type': 'application/json' },
  });
  assert.ok(res.ok, `${init.method ?? 'GET'} ${path} answered ${res.status}`);
  return (await res.json()) as T;
}

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `admin panel in ${lang}: add 3 users, make an admin, start/open/stop a server, a group with members`,
    { timeout: 180_000 },
    async () => {
      const tr = (k: MessageKey, p?: MessageParams) => msg(lang, k, p);
      const zh = lang === 'zh';
      const [amy, ben, cat] = ['amy', 'ben', 'cat'].map((n) => `${lang}-${n}`) as [
        string,
        string,
        string,
      ];
      const group = `${lang}-class`;
      const person = await openPerson(`admin-${lang}`, { locale: zh ? 'zh-CN' : 'en-US' });
      const { page } = person;
      const check = (where: string) =>
        checkPage(person, `${lang} admin: ${where}`, {
          zh,
          allowEnglish: ['root', amy, ben, cat, group],
        });
      const row = (name: string) => page.locator(`tr[data-user-row="${name}"]`);
      const status = page.locator('#admin-status');
      try {
        await login(page, hub.url, 'root', 'pw', `?next=${encodeURIComponent('/hub/admin')}`);
        assert.equal(((await page.locator('h1').textContent()) ?? '').trim(), tr('admin.title'));
        await row('root').waitFor();
        await check('users tab');

        // Add three users at once (newline, comma and space separated).
        await page.locator('#show-add-users').click();
        assert.equal(
          await page.evaluate(() => document.activeElement?.id),
          'add-usernames',
          'the form takes the focus',
        );
        await page.locator('#add-usernames').fill(`${amy}\n${ben}, ${cat}`);
        await check('add users form');
        await page.locator('#add-users button[type="submit"]').click();
        await status.filter({ hasText: tr('js.admin.added', { count: 3 }) }).waitFor();
        // Search narrows the list (served by the API).
        await page.locator('#user-search').fill(`${lang}-`);
        await row(amy).waitFor();
        await row('root').waitFor({ state: 'detached' });
        assert.equal(await page.locator('#users-body tr[data-user-row]').count(), 3);
        const names = (await api<Array<{ name: string }>>(`users?name_filter=${lang}-`))
          .map((u) => u.name)
          .sort();
        assert.deepEqual(names, [amy, ben, cat]);

        // Make amy an admin.
        await row(amy).locator('button[data-action="admin"]').click();
        await status.filter({ hasText: tr('js.admin.nowAdmin', { name: amy }) }).waitFor();
        await row(amy).locator('.badge-admin').waitFor();
        assert.equal((await api<{ admin: boolean }>(`users/${amy}`)).admin, true);
        assert.equal((await api<{ admin: boolean }>(`users/${ben}`)).admin, false);
        await check('after making an admin');

        // Start ben's server: the row follows to "running" by itself, with an Open link.
        await row(ben).locator('button[data-action="start"][data-server=""]').click();
        await row(ben)
          .locator('.badge', { hasText: tr('js.status.running') })
          .waitFor({ timeout: 60_000 });
        const open = row(ben).locator('a', { hasText: tr('js.admin.open') });
        assert.equal(await open.getAttribute('href'), `/user/${ben}/`);
        assert.equal(
          (await api<{ servers: Record<string, { ready: boolean }> }>(`users/${ben}`)).servers['']
            ?.ready,
          true,
        );
        await check('a running server');

        // The default server's own last activity reads the same in the Servers column as on
        // ben's home page (the trial saw "27 seconds ago" here and "11 minutes ago" there).
        const past = new Date(Date.now() - 11 * 60_000).toISOString();
        const act = await hubFetch(`${hub.api}/users/${ben}/activity`, {
          method: 'POST',
          token: rootToken,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ servers: { '': { last_activity: past } } }),
        });
        assert.equal(act.status, 200);
        await page.reload();
        const benServer = row(ben).locator('li[data-server-item=""]');
        await benServer.locator('.muted').waitFor();
        const benPerson = await openPerson(`ben-${lang}`, { locale: zh ? 'zh-CN' : 'en-US' });
        try {
          await login(
            benPerson.page,
            hub.url,
            ben,
            'pw',
            `?next=${encodeURIComponent('/hub/home')}`,
          );
          const homeTime = benPerson.page.locator(
            'section[aria-labelledby="default-server-title"] dd time',
          );
          assert.equal(
            Date.parse((await homeTime.first().getAttribute('datetime')) ?? ''),
            Date.parse(past),
          );
          const shown = ((await homeTime.first().textContent()) ?? '').trim();
          assert.match(shown, /11/);
          assert.equal(
            ((await benServer.locator('.muted').textContent()) ?? '').trim(),
            tr('js.admin.serverActivity', { time: shown }),
          );
        } finally {
          await benPerson.close();
        }

        // The running-servers tab lists it.
        await page.locator('#tab-running').click();
        await page.locator('#running-body tr', { hasText: ben }).waitFor();
        await check('running servers tab');
        await page.locator('#tab-users').click();

        // Open it (the stand-in server answers), come back, stop it.
        await Promise.all([page.waitForURL((u) => u.pathname === `/user/${ben}/`), open.click()]);
        assert.match((await page.locator('body').textContent()) ?? '', /"path":/);
        await page.goBack();
        await page.locator('#user-search').fill(ben);
        await row(ben).locator('button[data-action="stop"][data-server=""]').click();
        await row(ben)
          .locator('.badge', { hasText: tr('js.status.stopped') })
          .waitFor({ timeout: 60_000 });
        assert.deepEqual(
          (await api<{ servers: Record<string, unknown> }>(`users/${ben}`)).servers,
          {},
        );
        await check('after stopping');

        // Groups: create one and add two members.
        await page.locator('#tab-groups').click();
        await page.locator('#new-group-name').fill(group);
        await page.locator('#new-group-form button[type="submit"]').click();
        await status.filter({ hasText: tr('js.admin.groupCreated', { name: group }) }).waitFor();
        const card = page.locator(`section[data-group="${group}"]`);
        await card.waitFor();
        await card.locator('form[data-group-form="members"] input').fill(`${amy} ${cat}`);
        await card.locator('form[data-group-form="members"] button[type="submit"]').click();
        await card.locator('.members li', { hasText: cat }).waitFor();
        assert.deepEqual((await api<{ users: string[] }>(`groups/${group}`)).users.sort(), [
          amy,
          cat,
        ]);
        await check('groups tab');
      } finally {
        await person.close();
      }
    },
  );
}
