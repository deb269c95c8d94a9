// labhub-proxy's REST API refuses route paths with dot segments (400) instead of resolving them:
// `new URL()` turned POST /api/routes/user/../ into a route for "/" (audit V1/V2). labhub-only:
// configurable-http-proxy resolves such paths itself, so this is not in the shared API suite.
// Also: the hub's proxy client refuses to send them at all. Needs `npm run build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEcho, type Echo } from '../proxy/helpers/echo.js';
import { startProxy, type RunningProxy } from '../proxy/helpers/proxy-process.js';
import { ChpClient } from '../../src/proxy/chp-client.js';
import { isHubError } from '../../src/errors.js';
import { rawHttp } from './spellings.js';

/** Route paths (after /api/routes) that a URL parser resolves to another path. */
const DOT_PATHS = [
  '/user/..',
  '/user/../',
  '/user/.',
  '/user/./',
  '/user/%2e%2e',
  '/user/%2E%2E/',
  '/user/.%2E',
  '/user/%2e.',
  '/user/%2e',
  '/user/a/..%2F',
  '/user/a%2F..',
  '/user/%252e%252e',
  '/user\\..',
  '/user/a%5C..',
  '/../',
  '/./user',
];

let echo: Echo;
let p: RunningProxy;
const hubTarget = 'http://127.0.0.1:1';

before(async () => {
  echo = await startEcho();
  p = await startProxy();
  assert.equal((await p.api('POST', '/', { target: hubTarget, hub: true })).status, 201);
});
after(async () => {
  await p?.stop();
  await echo?.close();
});

function call(method: string, path: string, body?: unknown) {
  return rawHttp(p.apiUrl, method, `/api/routes${path}`, {
    headers: {
      Authorization: `token ${p.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function table(): Promise<Record<string, { target: string }>> {
  return (await p.api('GET', '')).json() as Record<string, { target: string }>;
}

test('labhub-proxy: POST, DELETE and GET of a route path with a dot segment answer 400 and change nothing', async () => {
  for (const path of DOT_PATHS) {
    for (const [method, body] of [
      ['POST', { target: echo.url, user: '..' }],
      ['DELETE', undefined],
      ['GET', undefined],
    ] as const) {
      const r = await call(method, path, body);
      assert.equal(r.status, 400, `${method} /api/routes${path} answered ${r.status}`);
      assert.match(r.text, /dot segment/, `${method} ${path}: the reason is given`);
    }
  }
  const routes = await table();
  assert.deepEqual(Object.keys(routes), ['/'], JSON.stringify(routes));
  assert.equal(routes['/']!.target, hubTarget, 'the root route still points at the hub');
});

test('labhub-proxy: dots inside names are ordinary characters, not dot segments', async () => {
  for (const path of ['/user/a.b', '/user/...', '/user/.a', '/user/a..', '/user/%2e%2e%2e']) {
    const r = await call('POST', path, { target: echo.url });
    assert.equal(r.status, 201, `POST ${path}: ${r.status} ${r.text}`);
  }
  const routes = await table();
  for (const path of ['/user/a.b', '/user/...', '/user/.a', '/user/a..', '/user/...'])
    assert.ok(routes[path], `${path} is a route: ${JSON.stringify(Object.keys(routes))}`);
  assert.equal(routes['/']!.target, hubTarget);
});

test("the hub's proxy client refuses to send a route spec with a dot segment", async () => {
  const c = new ChpClient({ apiUrl: p.apiUrl, authToken: p.token, retryFor: 0 });
  try {
    for (const spec of ['/user/../', '/user/./', '/user/%2E%2E/', '/user/a%2F../', '/user\\../'])
      for (const op of [() => c.addRoute(spec, echo.url, { user: 'x' }), () => c.deleteRoute(spec)])
        await assert.rejects(
          op(),
          (e: unknown) => isHubError(e) && e.code === 'LABHUB_ERR_UNSAFE_ROUTE',
          spec,
        );
    assert.equal((await table())['/']!.target, hubTarget);
  } finally {
    await c.close();
  }
});
