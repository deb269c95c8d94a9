// ChpClient: routespec ↔ CHP path conversion (JupyterHub's rules) and the Proxy contract
// against the built labhub-proxy (run `npm run build` first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChpClient, chpPathToRoutespec, routespecToChpPath, quotePath } from './chp-client.js';
import { HubError } from '../errors.js';
import { startProxy, type RunningProxy } from '../../test/proxy/helpers/proxy-process.js';
import { deadPort } from '../../test/proxy/helpers/echo.js';

test('routespec → CHP path', () => {
  assert.equal(routespecToChpPath('/'), '/');
  assert.equal(routespecToChpPath('/user/alice/'), '/user/alice');
  assert.equal(routespecToChpPath('/user/alice/srv/'), '/user/alice/srv');
  assert.equal(
    routespecToChpPath('alice.hub.example.org/user/alice/', true),
    '/alice.hub.example.org/user/alice',
  );
  assert.throws(
    () => routespecToChpPath('/user/alice'),
    (e: unknown) =>
      e instanceof HubError &&
      e.code === 'LABHUB_ERR_PROXY' &&
      /must end with '\/'/.test(e.message),
  );
});

test('CHP path → routespec (re-quoted with safe "@/~")', () => {
  assert.equal(chpPathToRoutespec('/'), '/');
  assert.equal(chpPathToRoutespec('/user/alice'), '/user/alice/');
  assert.equal(chpPathToRoutespec('/user/a b'), '/user/a%20b/');
  assert.equal(chpPathToRoutespec('/user/x@y.org~z'), '/user/x@y.org~z/');
  assert.equal(
    chpPathToRoutespec('/alice.hub.example.org/user/alice', true),
    'alice.hub.example.org/user/alice/',
  );
  assert.equal(quotePath("é!'()*"), '%C3%A9%21%27%28%29%2A');
});

let p: RunningProxy;
before(async () => {
  p = await startProxy();
});
after(async () => {
  await p.stop();
});

test('addRoute / getAllRoutes / getRoute / deleteRoute against labhub-proxy', async () => {
  const c = new ChpClient({ apiUrl: p.apiUrl, authToken: p.token });
  try {
    await c.addRoute('/user/alice/', 'http://127.0.0.1:9999', { user: 'alice', server_name: '' });
    await c.addRoute('/user/a%20b/', 'http://127.0.0.1:9998', { user: 'a b', server_name: '' });
    await p.api('POST', '/foreign', { target: 'http://127.0.0.1:1' }); // not ours: no jupyterhub flag
    const raw = (await p.api('GET', '/user/alice')).json() as Record<string, unknown>;
    assert.equal(raw.jupyterhub, true, 'jupyterhub: true is added to the data');
    const all = await c.getAllRoutes();
    assert.deepEqual([...all.keys()].sort(), ['/user/a%20b/', '/user/alice/']);
    const r = all.get('/user/alice/')!;
    assert.equal(r.target, 'http://127.0.0.1:9999');
    assert.deepEqual(r.data, { user: 'alice', server_name: '' });
    assert.ok(r.lastActivity instanceof Date && !Number.isNaN(r.lastActivity.getTime()));
    assert.equal((await c.getRoute('/user/a%20b/'))?.target, 'http://127.0.0.1:9998');
    await c.deleteRoute('/user/alice/');
    await c.deleteRoute('/user/alice/'); // idempotent: 404 ignored
    assert.equal(await c.getRoute('/user/alice/'), null);
  } finally {
    await c.close();
  }
});

test('wrong token: HubError LABHUB_ERR_PROXY at once, saying what to do', async () => {
  const c = new ChpClient({ apiUrl: p.apiUrl, authToken: 'wrong', retryFor: 60_000 });
  try {
    await assert.rejects(
      c.getAllRoutes(),
      (e: unknown) =>
        e instanceof HubError &&
        e.code === 'LABHUB_ERR_PROXY' &&
        /refused the API token.*CONFIGPROXY_AUTH_TOKEN/s.test(e.message),
    );
  } finally {
    await c.close();
  }
});

test('unreachable proxy: retried for retryFor, then LABHUB_ERR_PROXY naming the URL', async () => {
  const url = `http://127.0.0.1:${await deadPort()}`;
  const c = new ChpClient({ apiUrl: url, authToken: 't', retryFor: 400 });
  try {
    await assert.rejects(
      c.addRoute('/user/x/', 'http://127.0.0.1:1', {}),
      (e: unknown) =>
        e instanceof HubError &&
        e.code === 'LABHUB_ERR_PROXY' &&
        e.message.includes(url) &&
        /ECONNREFUSED/.test(e.message),
    );
  } finally {
    await c.close();
  }
});

test('5xx answers are retried until the proxy succeeds', async () => {
  let calls = 0;
  const srv = http.createServer((req, res) => {
    req.resume();
    calls++;
    res.writeHead(calls < 3 ? 502 : 201);
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const c = new ChpClient({
    apiUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    authToken: 't',
    retryFor: 5000,
  });
  try {
    await c.addRoute('/user/y/', 'http://127.0.0.1:2', {});
    assert.equal(calls, 3);
  } finally {
    await c.close();
    srv.close();
  }
});
