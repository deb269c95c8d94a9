/**
 * The client scripts in a real Chromium (Debian `chromium` + playwright-core), under PAGE_CSP,
 * against a small in-test hub stand-in on 127.0.0.1:0 that serves the rendered pages and the
 * REST endpoints the scripts call (shapes from hub-protocol.md §4 and §8). It checks what the
 * scripts send (paths, methods, X-XSRFToken, Accept, bodies) and what they show; the real REST
 * API is tested by the hub's own integration tests.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  PAGE_CSP,
  STATIC_DIR,
  renderAdmin,
  renderHome,
  renderNotRunning,
  renderSpawnPending,
  renderToken,
  type PageContext,
} from './index.js';
import type { Lang } from '../../i18n/index.js';

const CHROMIUM = process.env.LABHUB_CHROMIUM ?? '/usr/bin/chromium';
const XSRF = 'xsrf-abc';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set LABHUB_CHROMIUM)`;

interface Call {
  method: string;
  url: string;
  xsrf: string | undefined;
  accept: string | undefined;
  body: string;
}
const calls: Call[] = [];
let server: Server;
let origin = '';
let browser: Browser;
let defaultRunning = true;
let bobPendingLoads = 0;

function ctx(req: IncomingMessage): PageContext {
  const lang: Lang = /labhub-lang=zh/.test(req.headers.cookie ?? '') ? 'zh' : 'en';
  return {
    lang,
    baseUrl: '/',
    hubPrefix: '/hub/',
    user: { name: 'alice', admin: true },
    xsrf: XSRF,
    version: 't',
  };
}

function sendPage(res: ServerResponse, html: string) {
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': PAGE_CSP,
  });
  res.end(html);
}
function sendJson(res: ServerResponse, status: number, data: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(data === undefined ? '' : JSON.stringify(data));
}

const user = (name: string, admin = false) => ({
  kind: 'user',
  name,
  admin,
  last_activity: '2026-11-26T03:00:00Z',
  servers:
    name === 'bob'
      ? {
          '': {
            name: '',
            ready: true,
            pending: null,
            url: '/user/bob/',
            started: '2026-11-26T02:00:00Z',
            last_activity: '2026-11-26T02:30:00Z',
          },
          gpu: {
            name: 'gpu',
            ready: false,
            pending: 'spawn',
            url: '/user/bob/gpu/',
            started: null,
            last_activity: null,
          },
        }
      : {},
});

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url!, origin);
  let body = '';
  for await (const chunk of req) body += chunk;
  const p = url.pathname;
  if (p.startsWith('/hub/api/')) {
    calls.push({
      method: req.method!,
      url: p + url.search,
      xsrf: req.headers['x-xsrftoken'] as string | undefined,
      accept: req.headers.accept,
      body,
    });
  }
  if (p.startsWith('/hub/static/')) {
    const file = join(STATIC_DIR, p.slice('/hub/static/'.length));
    const type = file.endsWith('.css')
      ? 'text/css'
      : file.endsWith('.svg')
        ? 'image/svg+xml'
        : 'text/javascript';
    res.writeHead(200, { 'Content-Type': type });
    res.end(await readFile(file));
  } else if (p === '/hub/home') {
    sendPage(
      res,
      renderHome(ctx(req), {
        servers: [
          {
            name: '',
            url: '/user/alice/',
            ready: defaultRunning,
            pending: null,
            lastActivity: null,
            started: null,
          },
        ],
        allowNamedServers: true,
      }).html,
    );
  } else if (p === '/hub/spawn-pending/alice') {
    sendPage(
      res,
      renderSpawnPending(ctx(req), {
        userName: 'alice',
        serverName: '',
        progressUrl: '/hub/api/users/alice/server/progress',
        nextUrl: '/user/alice/lab',
      }).html,
    );
  } else if (p === '/hub/spawn-pending/bob') {
    // First visit: the progress page. After the client reloads on `ready`, the route redirects.
    if (bobPendingLoads++ === 0) {
      sendPage(
        res,
        renderSpawnPending(ctx(req), {
          userName: 'bob',
          serverName: '',
          progressUrl: '/hub/api/users/bob/server/progress',
          nextUrl: '/user/bob/lab',
        }).html,
      );
    } else {
      res.writeHead(302, { Location: '/user/bob/lab' });
      res.end();
    }
  } else if (p === '/hub/api/users/bob/server/progress') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(`data: ${JSON.stringify({ progress: 50, message: 'Spawning server...' })}\n\n`);
    res.end(
      `data: ${JSON.stringify({ progress: 100, ready: true, message: 'Server ready at /user/bob/', url: '/user/bob/' })}\n\n`,
    );
  } else if (p === '/user/bob/lab') {
    sendPage(res, '<!doctype html><title>lab</title><p id="arrived">JupyterLab</p>');
  } else if (p === '/hub/user/alice/lab') {
    sendPage(
      res,
      renderNotRunning(ctx(req), {
        userName: 'alice',
        serverName: '',
        spawnUrl: '/hub/spawn/alice?next=%2Fhub%2Fuser%2Falice%2Flab',
        implicitSpawnSeconds: 1,
      }).html,
    );
  } else if (p === '/hub/spawn/alice') {
    sendPage(res, '<!doctype html><title>spawn</title><p id="spawned">spawning</p>');
  } else if (p === '/hub/token') {
    sendPage(
      res,
      renderToken(ctx(req), {
        tokens: [
          { id: 'a1', note: 'old', created: null, lastActivity: null, expiresAt: null, scopes: [] },
        ],
      }).html,
    );
  } else if (p === '/hub/admin') {
    sendPage(res, renderAdmin(ctx(req), { allowNamedServers: true }).html);
  } else if (p === '/hub/api/users/alice/server' && req.method === 'DELETE') {
    defaultRunning = false;
    sendJson(res, 204, undefined);
  } else if (p === '/hub/api/users/alice/server/progress') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(`data: ${JSON.stringify({ progress: 0, message: 'Server requested' })}\n\n`);
    res.write(`data: ${JSON.stringify({ progress: 50, message: 'Spawning server...' })}\n\n`);
    res.end(
      `data: ${JSON.stringify({ progress: 100, failed: true, message: 'Spawn failed: <b>port 8888 in use</b>' })}\n\n`,
    );
  } else if (p === '/hub/api/users' && req.method === 'GET') {
    const filter = url.searchParams.get('name_filter') ?? '';
    const items = [user('alice', true), user('bob'), user('carol')].filter((u) =>
      u.name.includes(filter),
    );
    sendJson(res, 200, {
      items,
      _pagination: { offset: 0, limit: 50, total: items.length, next: null },
    });
  } else if (p === '/hub/api/users' && req.method === 'POST') {
    sendJson(
      res,
      201,
      JSON.parse(body).usernames.map((n: string) => user(n)),
    );
  } else if (p === '/hub/api/users/alice/tokens' && req.method === 'POST') {
    sendJson(res, 201, {
      id: 'a9',
      note: JSON.parse(body).note ?? null,
      token: 'secret-token-value',
      scopes: [],
      created: '2026-11-26T04:00:00Z',
      last_activity: null,
      expires_at: null,
    });
  } else {
    sendJson(res, 404, { status: 404, message: `no route ${req.method} ${p}` });
  }
}

/** Opens a page and collects page errors and CSP violations reported on the console. */
async function open(path: string, lang: Lang = 'en'): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  if (lang === 'zh') await context.addCookies([{ name: 'labhub-lang', value: 'zh', url: origin }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/404/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => void d.accept());
  await page.goto(origin + path);
  return { page, problems };
}

before(async () => {
  if (skip) return;
  server = createServer(
    (req, res) =>
      void handle(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox'],
  });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await new Promise<void>((r) => server.close(() => r()));
});

test(
  'home: Stop calls DELETE users/alice/server with X-XSRFToken, then the page shows the stopped state',
  { skip },
  async () => {
    defaultRunning = true;
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
    bobPendingLoads = 0;
    const { page, problems } = await open('/hub/spawn-pending/bob');
    await page.waitForURL(origin + '/user/bob/lab');
    await page.locator('#arrived').waitFor();
    assert.equal(bobPendingLoads, 2);
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
