/**
 * The hub stand-in of the client-script browser tests (client.browser.test.ts): an HTTP server on
 * 127.0.0.1:0 serving the rendered pages under PAGE_CSP and the REST endpoints the scripts call
 * (shapes from hub-protocol.md §4 and §8), recording every call; and Chromium to open its pages.
 */
import { before, after } from 'node:test';
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
import { ctx as pageContext } from './page-fixtures.js';

const CHROMIUM = process.env.LABHUB_CHROMIUM ?? '/usr/bin/chromium';
export const XSRF = 'xsrf-abc';
export const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (set LABHUB_CHROMIUM)`;

interface Call {
  method: string;
  url: string;
  xsrf: string | undefined;
  accept: string | undefined;
  body: string;
}
/** The requests the scripts made, in order. */
export const calls: Call[] = [];
let server: Server;
export let origin = '';
let browser: Browser;
/** What the stand-in answers: alice's default server running; bob's spawn-pending page loads. */
export const state = { defaultRunning: true, bobPendingLoads: 0 };

function ctx(req: IncomingMessage): PageContext {
  const lang: Lang = /labhub-lang=zh/.test(req.headers.cookie ?? '') ? 'zh' : 'en';
  return pageContext(lang, { xsrf: XSRF, version: 't' });
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
            ready: state.defaultRunning,
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
    if (state.bobPendingLoads++ === 0) {
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
    state.defaultRunning = false;
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
export async function open(
  path: string,
  lang: Lang = 'en',
): Promise<{ page: Page; problems: string[] }> {
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

/** Registers the hooks that start the stand-in and Chromium before the file's tests and stop them after. */
export function useStandIn(): void {
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
}
