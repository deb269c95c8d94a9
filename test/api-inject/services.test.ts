import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { ServiceRegistry } from '../../src/core/services.js';
import { assertError, call } from './helpers.js';

/** Services API: list/read (scope filtered), runtime create/delete with the §4.5 rules. */
describe('services API', () => {
  let t: InjectHub;
  let admin: string;
  before(async () => {
    t = await startInjectHub({
      config: {
        JupyterHub: {
          services: [
            {
              name: 'cfg',
              url: 'http://127.0.0.1:10101',
              api_token: 'cfg-token-123456',
              info: { purpose: 'tests' },
            },
            { name: 'other', api_token: 'other-token-1234' },
          ],
          load_roles: [
            { name: 'cfg-role', scopes: ['list:services', 'read:users'], services: ['cfg'] },
            {
              name: 'one-service',
              scopes: ['list:services!service=other', 'read:services!service=other'],
              users: ['olga'],
            },
            { name: 'svc-admin', scopes: ['admin:services'], users: ['mallory'] },
          ],
        },
      },
    });
    admin = await t.token('root', { admin: true });
  });
  after(async () => {
    await t.stop();
  });

  it('lists services as a dict name → model, filtered by list:services', async () => {
    const r = await call(t, 'GET', '/services', { token: admin });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['cfg', 'other']);
    assert.deepEqual(r.body.cfg, {
      kind: 'service',
      name: 'cfg',
      admin: false,
      roles: ['cfg-role'],
      url: 'http://127.0.0.1:10101',
      prefix: '/services/cfg/',
      command: '',
      pid: 0,
      info: { purpose: 'tests' },
      display: true,
    });
    const filtered = await call(t, 'GET', '/services', { token: await t.token('olga') });
    assert.deepEqual(Object.keys(filtered.body), ['other']);
    assert.equal(filtered.body.other.roles, undefined, 'roles need read:roles:services');
    assertError(
      await call(t, 'GET', '/services/cfg', { token: await t.token('olga') }),
      404,
      /No access/,
    );
    assertError(
      await call(t, 'GET', '/services', { token: await t.token('plain') }),
      403,
      /list:services/,
    );
    // A service token works with the service's own roles.
    const asService = await call(t, 'GET', '/services', { token: 'cfg-token-123456' });
    assert.deepEqual(Object.keys(asService.body).sort(), ['cfg', 'other']);
  });

  it('reads one service; 404 for unknown names', async () => {
    const r = await call(t, 'GET', '/services/other', { token: admin });
    assert.equal(r.status, 200);
    assert.equal(r.body.prefix, '', 'no url: no prefix');
    assertError(await call(t, 'GET', '/services/nope', { token: admin }), 404, /No such service/);
  });

  it('creates a runtime service (201), with token, route and persisted spec; 409, 400 and 403 rows', async () => {
    const body = {
      url: 'http://127.0.0.1:10202',
      api_token: 'rt-token-abcdefgh',
      info: { k: 'v' },
      oauth_client_allowed_scopes: ['read:users'],
      display: false,
    };
    const r = await call(t, 'POST', '/services/rt', { token: admin, body });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(
      { ...r.body, roles: undefined },
      {
        kind: 'service',
        name: 'rt',
        admin: false,
        roles: undefined,
        url: 'http://127.0.0.1:10202',
        prefix: '/services/rt/',
        command: '',
        pid: 0,
        info: { k: 'v' },
        display: false,
      },
    );
    const who = await call(t, 'GET', '/user', { token: 'rt-token-abcdefgh' });
    assert.equal(who.status, 200);
    assert.deepEqual([who.body.kind, who.body.name], ['service', 'rt']);
    const routes = (await call(t, 'GET', '/proxy', { token: admin })).body;
    assert.equal(routes['/services/rt/']?.target, 'http://127.0.0.1:10202');
    assert.deepEqual(routes['/services/rt/']?.data.service, 'rt');
    assert.deepEqual(
      (await t.hub.ctx.store.apiServices.all()).map((s) => s.name),
      ['rt'],
    );
    const reloaded = new ServiceRegistry([]);
    await reloaded.loadRuntime(t.hub.ctx.store.apiServices);
    assert.equal(
      reloaded.get('rt')?.url,
      'http://127.0.0.1:10202',
      'a restarted hub can load it back',
    );

    assertError(
      await call(t, 'POST', '/services/rt', { token: admin, body: {} }),
      409,
      /already exists/,
    );
    assertError(await call(t, 'POST', '/services/cfg', { token: admin, body: {} }), 409);
    assertError(
      await call(t, 'POST', '/services/managed', {
        token: admin,
        body: { command: ['sleep', '100'] },
      }),
      400,
      /Managed services/,
    );
    assertError(
      await call(t, 'POST', '/services/bad1', { token: admin, body: { colour: 'red' } }),
      400,
      /Unknown service fields: colour/,
    );
    assertError(
      await call(t, 'POST', '/services/bad2', { token: admin, body: { url: 'not a url' } }),
      400,
      /url must be/,
    );
    assertError(
      await call(t, 'POST', '/services/bad3', { token: admin, body: { api_token: 'short' } }),
      400,
      /at least 8/,
    );
    assertError(
      await call(t, 'POST', '/services/bad4', {
        token: admin,
        body: { oauth_client_allowed_scopes: ['read:nothing'] },
      }),
      400,
      /does not exist/,
    );
    assertError(
      await call(t, 'POST', '/services/bad5', { token: admin, body: { info: [1] } }),
      400,
    );
    assertError(
      await call(t, 'POST', '/services/x', { token: await t.token('plain') }),
      403,
      /admin:services/,
    );
    // Only admins may create admin services (admin:services through a custom role is not enough).
    const m = await t.token('mallory');
    assertError(
      await call(t, 'POST', '/services/evil', { token: m, body: { admin: true } }),
      403,
      /Only admin users/,
    );
    assert.equal(t.hub.ctx.services.get('evil'), undefined);
    assert.equal(
      (await call(t, 'POST', '/services/plain-svc', { token: m, body: {} })).status,
      201,
    );
  });

  it('deletes runtime services (200) with their token and route; 404 unknown; 405 for config services', async () => {
    const r = await call(t, 'DELETE', '/services/rt', { token: admin });
    assert.equal(r.status, 200);
    assertError(
      await call(t, 'GET', '/user', { token: 'rt-token-abcdefgh' }),
      403,
      /Missing or invalid credentials/,
    );
    assert.equal(
      (await call(t, 'GET', '/proxy', { token: admin })).body['/services/rt/'],
      undefined,
    );
    assert.deepEqual(
      (await t.hub.ctx.store.apiServices.all()).map((s) => s.name),
      ['plain-svc'],
    );
    assertError(await call(t, 'DELETE', '/services/rt', { token: admin }), 404);
    assertError(await call(t, 'DELETE', '/services/cfg', { token: admin }), 405, /config file/);
    assert.ok(t.hub.ctx.services.get('cfg'));
  });
});
