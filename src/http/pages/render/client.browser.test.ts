/**
 * The client scripts in a real Chromium (Debian `chromium` + playwright-core), under PAGE_CSP,
 * against a small hub stand-in on 127.0.0.1:0 (client-stand-in.ts) that serves the rendered pages and the
 * REST endpoints the scripts call (shapes from hub-protocol.md §4 and §8). It checks what the
 * scripts send (paths, methods, X-XSRFToken, Accept, bodies) and what they show; the real REST
 * API is tested by the hub's own integration tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XSRF, calls, open, origin, skip, state, useStandIn } from './client-stand-in.js';

useStandIn();

test(
  'home: Stop calls DELETE users/alice/server with X-XSRFToken, then the page shows the stopped state',
  { skip },
  async () => {
    state.defaultRunning = true;
    const { page, problems } = await open('/hub/home');
    await page.getByRole('button', { name: 'Stop Default server' }).click();
    await page.getByRole('link', { name: 'Start Default server' }).waitFor();
    const call = calls.find(
      (c) => c.method === 'DELETE' && c.url === '/hub/api/users/alice/server',
    );
    assert.ok(call, 'DELETE was sent');
    assert.equal(call.xsrf, XSRF);
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'spawn-pending: follows the stream with ?_xsrf=, shows progress and the failure message as text',
  { skip },
  async () => {
    const { page, problems } = await open('/hub/spawn-pending/alice', 'zh');
    const alert = page.locator('#spawn-error');
    await alert.waitFor({ state: 'visible' });
    // The hub's fixed "Spawn failed: " prefix is shown in the page language; the reason stays text, never markup.
    assert.equal(
      await page.locator('#spawn-error-message').textContent(),
      '启动失败：<b>port 8888 in use</b>',
    );
    assert.equal(await page.locator('#progress-message').textContent(), '服务器启动失败。');
    assert.equal(await page.locator('#progress-bar').getAttribute('aria-valuenow'), '100');
    assert.equal(await page.locator('#progress-log li').count(), 3);
    assert.ok(calls.some((c) => c.url === `/hub/api/users/alice/server/progress?_xsrf=${XSRF}`));
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'spawn-pending: on `ready` the page reloads and the route sends the person to the server',
  { skip },
  async () => {
    state.bobPendingLoads = 0;
    const { page, problems } = await open('/hub/spawn-pending/bob');
    await page.waitForURL(origin + '/user/bob/lab');
    await page.locator('#arrived').waitFor();
    assert.equal(state.bobPendingLoads, 2);
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'not-running: with implicit_spawn_seconds the page counts down and follows the Launch link',
  { skip },
  async () => {
    const { page, problems } = await open('/hub/user/alice/lab');
    await page.waitForURL(origin + '/hub/spawn/alice?next=%2Fhub%2Fuser%2Falice%2Flab');
    await page.locator('#spawned').waitFor();
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'admin: lists users with the pagination Accept header, searches by name_filter, adds users in bulk',
  { skip },
  async () => {
    calls.length = 0;
    const { page, problems } = await open('/hub/admin', 'zh');
    await page.locator('#users-body tr[data-user-row="carol"]').waitFor();
    const list = calls.find((c) => c.method === 'GET' && c.url.startsWith('/hub/api/users?'));
    assert.ok(list);
    assert.equal(list.accept, 'application/jupyterhub-pagination+json');
    assert.equal(list.xsrf, XSRF);
    // bob's server is running: an Open link to it (zh labels from the embedded catalog).
    assert.equal(
      await page
        .locator('tr[data-user-row="bob"] > td > .actions > a', { hasText: '打开' })
        .getAttribute('href'),
      '/user/bob/',
    );
    // bob's named server is starting: listed with its state and a Stop button.
    assert.equal(
      await page
        .locator('tr[data-user-row="bob"] li', { hasText: 'gpu' })
        .locator('.badge')
        .textContent(),
      '正在启动',
    );
    assert.equal(await page.locator('#users-body tr[data-user-row]').count(), 3);
    await page.getByLabel('搜索用户').fill('car');
    await page.waitForFunction(
      () => document.querySelectorAll('#users-body tr[data-user-row]').length === 1,
    );
    assert.ok(calls.some((c) => c.url.includes('name_filter=car')));
    await page.getByRole('button', { name: '添加用户' }).click();
    await page.getByLabel('用户名', { exact: true }).fill('dan\neve, frank');
    await page.getByRole('button', { name: '添加', exact: true }).click();
    await page.getByText('已添加 3 个用户。').waitFor();
    const post = calls.find((c) => c.method === 'POST' && c.url === '/hub/api/users');
    assert.deepEqual(JSON.parse(post!.body), { usernames: ['dan', 'eve', 'frank'], admin: false });
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'admin in English: adding one user says "Added 1 user."; the Servers column shows the default server with its own last activity',
  { skip },
  async () => {
    calls.length = 0;
    const { page, problems } = await open('/hub/admin');
    const bob = page.locator('tr[data-user-row="bob"]');
    await bob.waitFor();
    // The default server is listed first, with its state and the server's own last activity
    // (what bob's home page shows); "Last seen" is the user's activity, a different column.
    const def = bob.locator('li[data-server-item=""]');
    assert.equal(
      ((await def.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
      `Default server Running last activity ${await page.evaluate(() =>
        (
          window as unknown as { labhub: { relativeTime(iso: string): string } }
        ).labhub.relativeTime('2026-11-26T02:30:00Z'),
      )}`,
    );
    assert.equal(
      await bob.locator('td time').last().getAttribute('datetime'),
      '2026-11-26T03:00:00Z',
    );
    const carolDefault = page.locator('tr[data-user-row="carol"] li[data-server-item=""]');
    assert.equal(
      ((await carolDefault.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
      'Default server Stopped',
    );
    assert.equal(await page.locator('#users-table thead th').count(), 5);
    assert.equal(
      ((await page.locator('#users-table thead th').nth(3).textContent()) ?? '').trim(),
      'Last seen',
    );
    await page.getByRole('button', { name: 'Add users' }).click();
    await page.getByLabel('User names').fill('dan');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Added 1 user.', { exact: true }).waitFor();
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test('token: requesting a token shows it once and adds a row', { skip }, async () => {
  const { page, problems } = await open('/hub/token');
  await page.getByLabel('Note').fill('ci job');
  await page.getByRole('button', { name: 'Request token' }).click();
  await page.locator('#new-token').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#new-token-value').inputValue(), 'secret-token-value');
  assert.equal(await page.locator('tr[data-token-row="a9"] th').textContent(), 'ci job');
  const post = calls.find((c) => c.method === 'POST' && c.url === '/hub/api/users/alice/tokens');
  assert.deepEqual(JSON.parse(post!.body), { note: 'ci job', expires_in: 3600 });
  assert.equal(post!.xsrf, XSRF);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test(
  'theme toggle is remembered; the language switch sets the cookie and reloads in Chinese',
  { skip },
  async () => {
    const { page, problems } = await open('/hub/home');
    await page.locator('#theme-toggle').click();
    assert.equal(
      await page.evaluate(() => document.documentElement.getAttribute('data-theme')),
      'light',
    );
    await page.locator('#theme-toggle').click();
    assert.equal(await page.evaluate(() => localStorage.getItem('labhub-theme')), 'dark');
    await page.reload();
    assert.equal(
      await page.evaluate(() => document.documentElement.getAttribute('data-theme')),
      'dark',
    );
    assert.equal(await page.locator('#theme-toggle').textContent(), 'Theme: dark');
    await Promise.all([
      page.waitForURL(origin + '/hub/home'),
      page.locator('a[data-lang="zh"]').click(),
    ]);
    await page.locator('h1', { hasText: '我的服务器' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    // Keyboard: the skip link is the first focus stop and leads to main.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link');
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);
