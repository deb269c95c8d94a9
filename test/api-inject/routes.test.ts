/**
 * Declared API routes (src/http/api/route.ts), through fastify's inject on a hub built in this
 * process: scopes checked at start, access enforced before the handler, 405 with Allow, bodies and
 * queries parsed into 400s that name the field.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { route, registerDeclared, requireDeclaredAccess } from '../../src/http/api/route.js';
import type { HubContext } from '../../src/core/context.js';
import { assertError } from '../api/helpers.js';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';

const noop = async () => ({});

describe('route declarations are checked when the hub starts', () => {
  const ctx = {} as HubContext;

  test('a misspelled scope stops registration with the route, the scope and a suggestion', () => {
    const app = Fastify();
    assert.throws(
      () =>
        registerDeclared(
          app,
          ctx,
          [],
          [route({ method: 'GET', url: '/users', scopes: ['list:user'], handler: noop })],
        ),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'LABHUB_ERR_INTERNAL');
        assert.match(e.message, /API route GET \/users declares the unknown scope 'list:user'/);
        assert.match(e.message, /did you mean 'list:users'\?/);
        assert.match(e.message, /scopes-vocabulary\.ts/);
        return true;
      },
    );
    assert.equal(app.hasRoute({ method: 'GET', url: '/users' }), false);
  });

  test('filtered scopes, metascopes and an empty list are refused as route scopes', () => {
    for (const scopes of [['read:users!user=alice'], ['inherit'], ['self'], []]) {
      const app = Fastify();
      assert.throws(
        () =>
          registerDeclared(
            app,
            ctx,
            [],
            [route({ method: 'GET', url: '/x', scopes, handler: noop })],
          ),
        /API route GET \/x declares/,
        `scopes ${JSON.stringify(scopes)}`,
      );
    }
  });

  test('a route without scopes must say why: public, authenticated or selfAuthorizing', () => {
    const app = Fastify();
    const table: Parameters<typeof registerDeclared>[2] = [];
    registerDeclared(app, ctx, table, [
      route({ method: 'GET', url: '/a', scopes: { public: 'version probe' }, handler: noop }),
      route({ method: 'GET', url: '/b', scopes: { authenticated: 'any token' }, handler: noop }),
      route({
        method: 'GET',
        url: '/c',
        scopes: { selfAuthorizing: 'checks itself' },
        handler: noop,
      }),
    ]);
    assert.deepEqual(
      table.map((r) => r.url),
      ['/a', '/b', '/c'],
    );
    assert.throws(
      () =>
        registerDeclared(
          app,
          ctx,
          [],
          [route({ method: 'GET', url: '/d', scopes: { public: '' }, handler: noop })],
        ),
      /API route GET \/d: scopes must be a list of scope names or one of/,
    );
  });

  test('a route added to an API plugin without route() stops the start', async () => {
    const app = Fastify();
    app.register(
      async (api) => {
        api.addHook('onRoute', requireDeclaredAccess);
        api.get('/undeclared', noop);
      },
      { prefix: '/hub/api' },
    );
    await assert.rejects(async () => {
      await app.ready();
    }, /API route GET \/hub\/api\/undeclared was added without declaring who may call it/);
  });
});

describe('declared routes on a hub built in this process', () => {
  let t: InjectHub;
  let admin: string;
  before(async () => {
    t = await startInjectHub({ config: { JupyterHub: { allow_named_servers: true } } });
    admin = await t.token('inj-admin', { admin: true });
  });
  after(async () => t?.stop());

  test('no credential is a 403 before the handler runs', async () => {
    assertError(await t.call('GET', '/info'), 403, /^Missing or invalid credentials\.$/);
    assertError(await t.call('POST', '/shutdown', { body: { proxy: 3 } }), 403, /credentials/);
  });

  test('a missing scope is a 403 naming the scopes the route declares', async () => {
    const tok = await t.token('inj-plain', { scopes: ['read:users'] });
    const r = await t.call('GET', '/info', { token: tok });
    assertError(r, 403, /read:hub/, 'LABHUB_ERR_FORBIDDEN');
    assertError(await t.call('GET', '/services/x', { token: tok }), 403, /read:services/);
  });

  test('a scope filtered to other resources is a 404, the same as a missing resource', async () => {
    await t.token('inj-alice');
    const tok = await t.token('inj-bob', { scopes: ['read:servers!user=inj-bob'] });
    const other = await t.call('GET', '/users/inj-alice/server', { token: tok });
    assertError(
      other,
      404,
      /^No access to resources or resources not found$/,
      'LABHUB_ERR_NOT_FOUND',
    );
    // The same token on its own user passes the scope check (the server is not started: 404).
    const own = await t.call('GET', '/users/inj-bob/servers/x', { token: tok });
    assertError(own, 404, /inj-bob has no server named 'x'/);
  });

  test('a held scope lets the request through to the handler', async () => {
    // A token holds the scopes its owner holds: an admin's token narrowed to read:hub.
    const tok = await t.token('inj-admin', { scopes: ['read:hub'] });
    const r = await t.call('GET', '/info', { token: tok });
    assert.equal(r.status, 200);
    assert.equal(r.body.version, r.headers.get('x-jupyterhub-version'));
  });

  test('a method the path does not take is a 405 with Allow listing the declared methods', async () => {
    const r = await t.call('PUT', '/info', { token: admin, body: {} });
    assertError(r, 405, /PUT is not allowed on \/hub\/api\/info: it accepts GET, HEAD, OPTIONS/);
    assert.equal(r.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const p = await t.call('DELETE', '/proxy', { token: admin });
    assert.equal(p.headers.get('allow'), 'GET, HEAD, POST, PATCH, OPTIONS');
    assertError(await t.call('GET', '/no-such-thing', { token: admin }), 404, /No API endpoint/);
  });

  test('a body field of the wrong type is a 400 naming the field', async () => {
    assertError(
      await t.call('POST', '/shutdown', { token: admin, body: { servers: 'yes' } }),
      400,
      /^servers must be true or false$/,
      'LABHUB_ERR_BAD_REQUEST',
    );
    assertError(
      await t.call('POST', '/users/inj-admin/activity', { token: admin, body: { servers: [] } }),
      400,
      /^servers must be an object of server name → \{last_activity\}$/,
    );
    assertError(
      await t.call('PATCH', '/proxy', { token: admin, body: { api_url: 'ftp://x' } }),
      400,
      /^api_url must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:8001, got 'ftp:\/\/x'$/,
    );
    assertError(
      await t.call('PATCH', '/proxy', {
        token: admin,
        body: { api_url: 'ftp://x', auth_token: 1 },
      }),
      400,
      /^auth_token must be a string$/,
    );
    assertError(
      await t.call('PATCH', '/proxy', { token: admin }),
      400,
      /^Request body must be a JSON object/,
    );
  });

  test('a body that is not a JSON object is refused before the handler', async () => {
    assertError(
      await t.call('POST', '/shutdown', {
        token: admin,
        raw: '[1]',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      /^Request body must be a JSON object$/,
    );
    assertError(
      await t.call('POST', '/shutdown', {
        token: admin,
        raw: 'x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      /Content-Type: application\/json/,
    );
  });

  test('a query value out of range is a 400 naming the parameter', async () => {
    const r = await t.call('GET', '/labhub/spawn-failures?limit=0', { token: admin });
    assertError(r, 400, /^limit must be an integer from 1 to 200; got '0'$/);
    const ok = await t.call('GET', '/labhub/spawn-failures?limit=5', { token: admin });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { items: [] });
  });

  test('public routes answer without a credential, below the API and the hub prefix', async () => {
    for (const path of ['', '/', '/health', '/hub/health']) {
      const r = await t.call('GET', path);
      assert.equal(r.status, 200, path);
    }
    assert.equal((await t.call('OPTIONS', '/users')).status, 200);
  });
});
