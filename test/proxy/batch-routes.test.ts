// Many routes in one request (labhub-proxy's POST /api/routes batch, src/proxy/server/api-batch.ts)
// and the hub's client using it only against labhub-proxy: against configurable-http-proxy it
// adds the routes one by one, and CHP's own meaning of POST /api/routes (the route `/`) stays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ChpClient } from '../../src/proxy/chp-client.js';
import { startProxy, CHP, type RunningProxy } from './helpers/proxy-process.js';
import { startEcho } from './helpers/echo.js';
import { RuntimeApi } from '../../src/proxy/server/haproxy/runtime.js';

let lp: RunningProxy;
let chp: RunningProxy;
before(async () => {
  assert.ok(existsSync(CHP[1]!), `configurable-http-proxy is not installed at ${CHP[1]}: npm ci`);
  [lp, chp] = await Promise.all([startProxy(), startProxy([], { command: CHP })]);
});
after(async () => {
  await Promise.all([lp?.stop(), chp?.stop()]);
});

const T = 'http://127.0.0.1:9';

test('labhub-proxy: POST /api/routes with a batch adds every route; GET says it takes batches', async () => {
  const r = await lp.api('POST', '', {
    routes: {
      '/batch/a': { target: T, user: 'a' },
      '/batch/b%20c': { target: T, user: 'b c', last_activity: 'ignored' },
    },
  });
  assert.equal(r.status, 201, r.body);
  assert.deepEqual(r.json(), { added: 2 });
  const all = (await lp.api('GET', '')).json() as Record<string, Record<string, unknown>>;
  assert.equal(all['/batch/a']?.target, T);
  assert.equal(all['/batch/b c']?.user, 'b c', 'paths are percent-decoded as in the URL form');
  assert.equal(all['/'], undefined, 'a batch is not the route `/`');
  const res = await fetch(`${lp.apiUrl}/api/routes`, {
    headers: { authorization: `token ${lp.token}` },
  });
  assert.equal(res.headers.get('x-labhub-proxy-batch'), '1');
});

test('labhub-proxy: a batch with one bad entry is refused whole (400), nothing added', async () => {
  for (const [routes, why] of [
    [{ '/bad/ok': { target: T }, '/bad/x': { target: 'not a url' } }, /absolute URL/],
    [{ '/bad/ok': { target: T }, '/bad/../y': { target: T } }, /dot segment/],
    [{ '/bad/ok': { target: T }, '/bad/n': { user: 'n' } }, /target/],
    [{ 'bad/ok': { target: T } }, /start with '\/'/],
  ] as const) {
    const r = await lp.api('POST', '', { routes });
    assert.equal(r.status, 400, JSON.stringify(routes));
    assert.match(r.body, why);
  }
  assert.equal((await lp.api('GET', '/bad/ok')).status, 404);
});

test('labhub-proxy: POST /api/routes with a target is still the route `/` (CHP meaning)', async () => {
  assert.equal((await lp.api('POST', '', { target: T, routes: {} })).status, 201);
  assert.equal((await lp.api('GET', '/')).status, 200);
  await lp.api('DELETE', '/');
});

test('ChpClient.addRoutes: one batch request to labhub-proxy once it has listed its routes', async () => {
  const c = new ChpClient({ apiUrl: lp.apiUrl, authToken: lp.token });
  try {
    await c.getAllRoutes(); // learns that the proxy takes batches
    const routes = Array.from({ length: 300 }, (_, i) => ({
      spec: `/user/u${i}/`,
      target: `${T}${i}`,
      data: { user: `u${i}`, server_name: '' },
    }));
    routes.push({ spec: '/user/a%20b/', target: T, data: { user: 'a b', server_name: '' } });
    await c.addRoutes(routes);
    const all = await c.getAllRoutes();
    assert.equal(all.get('/user/u299/')?.target, `${T}299`);
    assert.deepEqual(all.get('/user/a%20b/')?.data, { user: 'a b', server_name: '' });
    assert.match(lp.output(), /Routes added in one batch: 301/);
  } finally {
    await c.close();
  }
});

test('ChpClient.addRoutes against configurable-http-proxy: one request per route, no batch', async () => {
  const c = new ChpClient({ apiUrl: chp.apiUrl, authToken: chp.token });
  try {
    await c.getAllRoutes();
    const routes = ['x', 'y', 'z'].map((u) => ({
      spec: `/user/${u}/`,
      target: T,
      data: { user: u, server_name: '' },
    }));
    await c.addRoutes(routes);
    assert.deepEqual([...(await c.getAllRoutes()).keys()].sort(), [
      '/user/x/',
      '/user/y/',
      '/user/z/',
    ]);
    assert.doesNotMatch(chp.output(), /Must specify 'target'/, 'no batch was sent to CHP');
    const raw = (await chp.api('GET', '')).json() as Record<string, unknown>;
    assert.equal(raw['/'], undefined, 'and no route `/` was made');
  } finally {
    await c.close();
  }
});

test('labhub-proxy --engine haproxy: routes of a batch reach the HAProxy data plane', async () => {
  const echo = await startEcho();
  const hp = await startProxy(['--engine', 'haproxy']);
  try {
    const r = await hp.api('POST', '', {
      routes: { '/user/h1': { target: echo.url }, '/user/h2': { target: echo.url } },
    });
    assert.equal(r.status, 201, r.body);
    for (const u of ['h1', 'h2']) {
      const res = await fetch(`${hp.url}/user/${u}/x`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, `/user/${u}/ is served through HAProxy`);
    }
    assert.equal(echo.hits, 2);
  } finally {
    await hp.stop();
    await echo.close();
  }
});

test('labhub-proxy --engine haproxy: a route HAProxy refuses in a batch leaves the others in its map', async () => {
  const hp = await startProxy(['--engine', 'haproxy']);
  const dir = /\(pid \d+, (\/\S+)\)/.exec(hp.output())?.[1];
  assert.ok(dir, hp.output());
  const admin = new RuntimeApi(`${dir}/admin.sock`);
  try {
    // A path too long for one runtime-API line (HAProxy would close the connection on it).
    const long = '/user/' + 'x'.repeat(20_000);
    const routes = { '/user/m1': { target: T }, [long]: { target: T }, '/user/m2': { target: T } };
    const r = await hp.api('POST', '', { routes });
    assert.equal(r.status, 201, r.body);
    assert.equal(
      (await hp.api('POST', '', { routes: { '/user/m1': { target: T + '1' } } })).status,
      201,
    );
    await admin.connect();
    const map = await admin.run(`show map ${dir}/routes.map`);
    assert.match(
      map,
      / \/user\/m1\/ \d+\|127\.0\.0\.1\|91\|/,
      'the replaced route has its new target',
    );
    assert.match(map, / \/user\/m2\/ /, "the route after the refused one is in HAProxy's map");
    assert.doesNotMatch(map, /xxxx/);
    assert.match(hp.output(), /haproxy refused route \/user\/x+: command of \d+ bytes/);
    assert.doesNotMatch(hp.output(), /connection closed/);
  } finally {
    admin.close();
    await hp.stop();
  }
});
