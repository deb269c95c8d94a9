/**
 * Named servers from the home page (JupyterHub.allow_named_servers), in English and Chinese:
 * a user adds a server by name, watches its live progress, is taken to it (the stand-in
 * server answers), finds it running on the home page, opens it, and deletes it.
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
before(async () => {
  hub = await startUiHub();
});
after(async () => {
  await hub?.stop();
});

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `named server in ${lang}: create, progress, open, delete`,
    { timeout: 120_000 },
    async () => {
      const tr = (k: MessageKey, p?: MessageParams) => msg(lang, k, p);
      const zh = lang === 'zh';
      const user = zh ? 'ning' : 'nora';
      const server = 'gpu-1';
      const person = await openPerson(`named-${lang}`, { locale: zh ? 'zh-CN' : 'en-US' });
      const { page } = person;
      const check = (where: string) =>
        checkPage(person, `${lang} named: ${where}`, { zh, allowEnglish: [user, server] });
      const row = page.locator(`tr[data-server-row="${server}"]`);
      let release = () => {};
      try {
        await login(page, hub.url, user, 'pw', `?next=${encodeURIComponent('/hub/home')}`);
        assert.equal(
          ((await page.locator('#named-servers-title').textContent()) ?? '').trim(),
          tr('home.namedServers'),
        );
        await check('home without named servers');

        // Add one by name: the spawn-pending page shows its progress while the server is held back.
        release = hub.hold(user, server);
        await page.locator('#new-server-name').fill(server);
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/hub/spawn-pending/${user}/${server}`),
          page.locator('#new-server-form button[type="submit"]').click(),
        ]);
        await page.locator('#progress-log li', { hasText: tr('js.pending.msgSpawning') }).waitFor();
        assert.match(
          (await page.locator('#spawn-pending > p').first().textContent()) ?? '',
          new RegExp(server),
        );
        await check('spawn-pending of a named server');
        release();
        await page.waitForURL((u) => u.pathname === `/user/${user}/${server}/`, {
          timeout: 60_000,
        });
        assert.match(
          (await page.locator('body').textContent()) ?? '',
          new RegExp(`"path":"/user/${user}/${server}/`),
        );

        // Home lists it as running with an Open link that leads to it.
        await page.goto(`${hub.url}/hub/home`);
        assert.equal(
          ((await row.locator('.badge').textContent()) ?? '').trim(),
          tr('status.running'),
        );
        await check('home with a running named server');
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/user/${user}/${server}/`),
          row.locator('a.button', { hasText: tr('home.open') }).click(),
        ]);
        assert.match((await page.locator('body').textContent()) ?? '', /"path":/);
        await page.goBack();

        // Delete it (the confirmation is accepted): it disappears from the page and the API.
        await row.locator('button[data-action="delete"]').click();
        await row.waitFor({ state: 'detached', timeout: 30_000 });
        const admin = await hub.token('root', { admin: true });
        const model = (await (
          await hubFetch(`${hub.api}/users/${user}`, { token: admin })
        ).json()) as { servers: Record<string, unknown> };
        assert.equal(model.servers[server], undefined, 'the server is gone from the API');
        assert.equal(
          await page.locator('#named-servers-title ~ p.muted').last().textContent(),
          tr('home.noNamedServers'),
        );
        await check('home after delete');
      } finally {
        release();
        await person.close();
      }
    },
  );
}
