/**
 * The spawn options form (Spawner.profile_list, like KubeSpawner's), in English and Chinese:
 * Start on the home page shows the profiles with the default one chosen; the person picks
 * another with the keyboard, starts, watches the progress, and the server records the choice.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { t as msg, type Lang } from '../../src/http/i18n/index.js';
import { hubFetch } from '../helpers/test-hub.js';
import { startUiHub, type UiHub } from './ui-hub.js';
import { checkPage, login, openPerson } from './ui.js';

const PROFILES = [
  {
    display_name: 'Small (1 CPU, 2 GB)',
    slug: 'small',
    description: 'For homework',
    default: true,
  },
  { display_name: 'GPU (4 CPU, 16 GB, 1 GPU)', slug: 'gpu', description: 'For deep learning' },
];

let hub: UiHub;
before(async () => {
  hub = await startUiHub({ Spawner: { profile_list: PROFILES } });
});
after(async () => {
  await hub?.stop();
});

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `spawn options form in ${lang}: choose a profile with the keyboard and start`,
    { timeout: 120_000 },
    async () => {
      const zh = lang === 'zh';
      const user = zh ? 'qiang' : 'olga';
      const person = await openPerson(`options-${lang}`, { locale: zh ? 'zh-CN' : 'en-US' });
      const { page } = person;
      // Profile names and descriptions come from the operator's configuration, not the catalogs.
      const operatorText = PROFILES.flatMap((p) => [p.display_name, p.description]);
      try {
        await login(page, hub.url, user, 'pw', `?next=${encodeURIComponent('/hub/home')}`);
        await Promise.all([
          page.waitForURL(`${hub.url}/hub/spawn/${user}`),
          page.locator(`a[href="/hub/spawn/${user}"]`).click(),
        ]);
        assert.equal(
          ((await page.locator('h1').textContent()) ?? '').trim(),
          msg(lang, 'spawnForm.title'),
        );
        assert.equal(
          ((await page.locator('legend').textContent()) ?? '').trim(),
          msg(lang, 'spawnForm.chooseProfile'),
        );
        assert.equal(
          await page.locator('input[value="small"]').isChecked(),
          true,
          'the default profile is chosen',
        );
        await checkPage(person, `${lang} spawn options`, {
          zh,
          allowEnglish: [user, ...operatorText],
        });

        // Keyboard: focus the chosen radio button, arrow down to the next profile, Enter submits.
        await page.locator('input[value="small"]').focus();
        await page.keyboard.press('ArrowDown');
        assert.equal(await page.locator('input[value="gpu"]').isChecked(), true);
        await Promise.all([
          page.waitForURL(
            (u) => u.pathname === `/hub/spawn-pending/${user}` || u.pathname === `/user/${user}/`,
          ),
          page.keyboard.press('Enter'),
        ]);
        await page.waitForURL((u) => u.pathname === `/user/${user}/`, { timeout: 60_000 });
        const model = (await (
          await hubFetch(`${hub.api}/users/${user}`, {
            token: await hub.token('root', { admin: true }),
          })
        ).json()) as { servers: Record<string, { user_options: Record<string, unknown> }> };
        assert.equal(
          model.servers['']?.user_options.profile,
          'gpu',
          'the chosen profile reached the spawn',
        );
      } finally {
        await person.close();
      }
    },
  );
}
