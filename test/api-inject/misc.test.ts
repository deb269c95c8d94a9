import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { PAGINATION, assertError, call, until } from './helpers.js';

/**
 * Proxy, info, shutdown, legacy authorization endpoints, generic API behaviour (a hub built in
 * this process, requests through inject; the cookie login goes through the in-process proxy).
 */
describe('proxy, info, shutdown and legacy API', () => {
  let t: InjectHub;
  let admin: string;
  before(async () => {
    t = await startInjectHub();
    admin = await t.token('root', { admin: true });
  });
  after(async () => {
    await t.stop();
  });

  it('GET /proxy: routing table dict (paginated form with the Accept header); POST re-syncs; 403 without proxy scope', async () => {
    const r = await call(t, 'GET', '/proxy', { token: admin });
    assert.equal(r.status, 200);
    assert.equal(r.body['/'].routespec, '/');
    assert.equal(r.body['/'].data.hub, true);
    const p = await call(t, 'GET', '/proxy', { token: admin, headers: { Accept: PAGINATION } });
    assert.equal(typeof p.body.items, 'object');
    assert.ok(!Array.isArray(p.body.items), 'items is a dict for /proxy');
    assert.ok(p.body.items['/']);
    assert.equal(p.body._pagination.total, Object.keys(r.body).length);
    // A route lost by the proxy comes back with POST /proxy.
    assert.equal(
      (await call(t, 'POST', '/users/pat/server', { token: await t.token('pat') })).status,
      201,
    );
    await t.hub.ctx.proxy.deleteRoute('/user/pat/');
    assert.equal((await call(t, 'GET', '/proxy', { token: admin })).body['/user/pat/'], undefined);
    assert.equal((await call(t, 'POST', '/proxy', { token: admin })).status, 200);
    assert.ok((await call(t, 'GET', '/proxy', { token: admin })).body['/user/pat/']);
    assertError(
      await call(t, 'GET', '/proxy', { token: await t.token('pat') }),
      403,
      /requires any of \[proxy\]/,
    );
  });

  it('PATCH /proxy: 400 for non-dict bodies and bad values; {} re-syncs (200)', async () => {
    assertError(await call(t, 'PATCH', '/proxy', { token: admin, body: [1] }), 400, /JSON object/);
    assertError(
      await call(t, 'PATCH', '/proxy', { token: admin, body: { api_url: 5 } }),
      400,
      /api_url must be a string/,
    );
    assertError(
      await call(t, 'PATCH', '/proxy', { token: admin, body: { api_url: 'nowhere' } }),
      400,
      /http\(s\) URL/,
    );
    assert.equal((await call(t, 'PATCH', '/proxy', { token: admin, body: {} })).status, 200);
    assertError(await call(t, 'PATCH', '/proxy', { token: await t.token('pat'), body: {} }), 403);
  });

  it('GET /info needs read:hub', async () => {
    const r = await call(t, 'GET', '/info', { token: admin });
    assert.equal(r.status, 200);
    assert.equal(r.body.version, '6.1.1');
    assert.equal(typeof r.body.spawner.class, 'string');
    assert.equal(typeof r.body.authenticator.class, 'string');
    assertError(await call(t, 'GET', '/info', { token: await t.token('pat') }), 403, /read:hub/);
    assertError(await call(t, 'GET', '/info'), 403, /Missing or invalid credentials/);
  });

  it('POST /shutdown: 400 for non-boolean options, 403 without scope, 202 with the message', async () => {
    assertError(
      await call(t, 'POST', '/shutdown', { token: admin, body: { proxy: 'yes' } }),
      400,
      /proxy must be true or false/,
    );
    assertError(await call(t, 'POST', '/shutdown', { token: admin, body: { servers: 1 } }), 400);
    assertError(
      await call(t, 'POST', '/shutdown', { token: await t.token('pat'), body: {} }),
      403,
      /shutdown/,
    );
    const calls: unknown[] = [];
    const real = t.hub.ctx.shutdown;
    t.hub.ctx.shutdown = async (o) => void calls.push(o);
    try {
      const r = await call(t, 'POST', '/shutdown', {
        token: admin,
        body: { proxy: false, servers: true },
      });
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, { message: 'Shutting down Hub' });
      await until(async () => calls.length > 0, 'shutdown called');
      assert.deepEqual(calls, [{ proxy: false, servers: true }]);
    } finally {
      t.hub.ctx.shutdown = real;
    }
  });

  it('legacy /authorizations: POST token → 404; GET token → owner model (header token only); GET cookie → user', async () => {
    assertError(
      await call(t, 'POST', '/authorizations/token', { token: admin, body: { username: 'x' } }),
      404,
      /removed/,
    );
    const patToken = await t.token('pat');
    const r = await call(t, 'GET', `/authorizations/token/${patToken}`, { token: admin });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.kind, r.body.name], ['user', 'pat']);
    assertError(
      await call(t, 'GET', `/authorizations/token/${patToken}`),
      403,
      /Missing or invalid credentials/,
    );
    assertError(
      await call(t, 'GET', '/authorizations/token/0123456789abcdef0123456789abcdef', {
        token: admin,
      }),
      404,
    );

    const c = new CookieClient(t.url);
    assert.equal((await c.login('cookie-user')).status, 302);
    const value = c.jar.get('jupyterhub-hub-login');
    assert.ok(value, 'logged in');
    const who = await call(
      t,
      'GET',
      `/authorizations/cookie/jupyterhub-hub-login/${encodeURIComponent(value!)}`,
      { token: admin },
    );
    assert.equal(who.status, 200, who.text);
    assert.equal(who.body.name, 'cookie-user');
    assertError(
      await call(t, 'GET', '/authorizations/cookie/jupyterhub-hub-login/forged', { token: admin }),
      404,
    );
  });

  it('unknown API paths are JSON 404; OPTIONS is 200; wrong method on a known path is not 2xx', async () => {
    assertError(await call(t, 'GET', '/no/such/thing', { token: admin }), 404);
    const o = await call(t, 'OPTIONS', '/users');
    assert.equal(o.status, 200);
    const wrong = await call(t, 'PUT', '/users/pat/activity', { token: admin, body: {} });
    assert.ok(wrong.status === 404 || wrong.status === 405, `PUT activity: ${wrong.status}`);
  });
});
