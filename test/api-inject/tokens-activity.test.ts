import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { assertError, call } from './helpers.js';

/** Tokens and activity endpoints: models and every error row of §4.5. */
describe('tokens and activity API', () => {
  let t: InjectHub;
  let admin: string;
  let kim: string;
  before(async () => {
    t = await startInjectHub({
      config: { JupyterHub: { token_expires_in_max_seconds: 86400, allow_named_servers: true } },
    });
    admin = await t.token('root', { admin: true });
    kim = await t.token('kim');
    await t.token('lee');
  });
  after(async () => {
    await t.stop();
  });

  it('creates tokens (201 + secret once), lists and reads them without the secret, revokes them', async () => {
    const r = await call(t, 'POST', '/users/kim/tokens', {
      token: kim,
      body: { note: 'script', expires_in: 3600, scopes: ['read:users!user=kim'] },
    });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.token, /^[0-9a-f]{32}$/);
    assert.match(r.body.id, /^a\d+$/);
    assert.deepEqual(
      [r.body.kind, r.body.user, r.body.note, r.body.roles, r.body.oauth_client],
      ['api_token', 'kim', 'script', [], 'JupyterHub'],
    );
    assert.ok(r.body.scopes.includes('read:users!user=kim'));
    assert.ok(r.body.expires_at);
    const listed = await call(t, 'GET', '/users/kim/tokens', { token: kim });
    assert.ok(listed.body.api_tokens.some((x: any) => x.id === r.body.id));
    assert.ok(
      listed.body.api_tokens.every((x: any) => x.token === undefined),
      'secrets are never listed',
    );
    const one = await call(t, 'GET', `/users/kim/tokens/${r.body.id}`, { token: kim });
    assert.equal(one.body.note, 'script');
    // The new token works with its narrowed scopes.
    assert.equal((await call(t, 'GET', '/users/kim', { token: r.body.token })).status, 200);
    assertError(
      await call(t, 'GET', '/users/kim/tokens', { token: r.body.token }),
      403,
      /read:tokens/,
    );
    assert.equal(
      (await call(t, 'DELETE', `/users/kim/tokens/${r.body.id}`, { token: kim })).status,
      204,
    );
    assertError(
      await call(t, 'GET', '/users/kim', { token: r.body.token }),
      403,
      /Missing or invalid credentials/,
    );
  });

  it('token creation errors: 400 bad types, unknown or unheld scopes, expires_in over the max; 403 unknown user / no permission / bad auth', async () => {
    assertError(
      await call(t, 'POST', '/users/kim/tokens', { token: kim, body: { note: 5 } }),
      400,
      /note/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', { token: kim, body: { expires_in: 'soon' } }),
      400,
      /expires_in/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', { token: kim, body: { scopes: 'read:users' } }),
      400,
      /list/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', {
        token: kim,
        body: { scopes: ['read:nothing'] },
      }),
      400,
      /does not exist/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', { token: kim, body: { scopes: ['admin:users'] } }),
      400,
      /Not assigning requested scopes/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', { token: kim, body: { expires_in: 86401 } }),
      400,
      /token_expires_in_max_seconds/,
    );
    assertError(await call(t, 'POST', '/users/ghost/tokens', { token: admin, body: {} }), 403);
    assertError(
      await call(t, 'POST', '/users/lee/tokens', { token: kim, body: {} }),
      404,
      /No access/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', { body: {} }),
      403,
      /Missing or invalid credentials/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/tokens', {
        body: { auth: { username: 'kim', password: 'wrong' } },
      }),
      403,
      /failed/,
    );
    const viaAuth = await call(t, 'POST', '/users/kim/tokens', {
      body: { auth: { username: 'kim', password: 'pw' } },
    });
    assert.equal(viaAuth.status, 201, viaAuth.text);
    // An admin may create a token for another user.
    assert.equal(
      (await call(t, 'POST', '/users/lee/tokens', { token: admin, body: {} })).status,
      201,
    );
  });

  it('token read/revoke errors: 404 for bad ids, other owners and unknown users', async () => {
    const lees = (await call(t, 'GET', '/users/lee/tokens', { token: admin })).body.api_tokens;
    assertError(await call(t, 'GET', '/users/kim/tokens/zzz', { token: kim }), 404);
    assertError(
      await call(t, 'GET', `/users/kim/tokens/${lees[0].id}`, { token: admin }),
      404,
      /No such token/,
    );
    assertError(await call(t, 'DELETE', `/users/kim/tokens/${lees[0].id}`, { token: admin }), 404);
    assertError(await call(t, 'DELETE', '/users/kim/tokens/a999999', { token: kim }), 404);
    assertError(await call(t, 'GET', '/users/ghost/tokens', { token: admin }), 404);
    assertError(await call(t, 'GET', '/users/lee/tokens', { token: kim }), 404, /No access/);
  });

  it('activity: 200 and never backwards; 400 non-dict / nothing / unknown server / bad or future timestamps; 404 user', async () => {
    await call(t, 'PUT', '/users/kim/servers/nb', { token: kim, body: {} });
    const ok = await call(t, 'POST', '/users/kim/activity', {
      token: kim,
      body: {
        last_activity: '2026-01-02T03:04:05Z',
        servers: { nb: { last_activity: '2026-01-02T03:04:05.123Z' } },
      },
    });
    assert.equal(ok.status, 200, ok.text);
    // Older values never move activity backwards (the user's own also moves with token use).
    assert.equal(
      (
        await call(t, 'POST', '/users/kim/activity', {
          token: kim,
          body: {
            last_activity: '2025-01-01T00:00:00Z',
            servers: { nb: { last_activity: '2025-01-01T00:00:00Z' } },
          },
        })
      ).status,
      200,
    );
    const model = (await call(t, 'GET', '/users/kim?include_stopped_servers', { token: admin }))
      .body;
    assert.ok(Date.parse(model.last_activity) >= Date.parse('2026-01-02T03:04:05Z'));
    assert.match(model.servers.nb.last_activity, /^2026-01-02T03:04:05\.123/);
    assertError(await call(t, 'POST', '/users/kim/activity', { token: kim, body: [1] }), 400);
    assertError(
      await call(t, 'POST', '/users/kim/activity', { token: kim, body: {} }),
      400,
      /no activity/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/activity', {
        token: kim,
        body: { servers: { nope: { last_activity: '2026-01-01T00:00:00Z' } } },
      }),
      400,
      /No such server/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/activity', { token: kim, body: { servers: { nb: {} } } }),
      400,
      /needs last_activity/,
    );
    assertError(
      await call(t, 'POST', '/users/kim/activity', {
        token: kim,
        body: { last_activity: 'yesterday' },
      }),
      400,
      /ISO 8601/,
    );
    const future = new Date(Date.now() + 2 * 3600_000).toISOString();
    assertError(
      await call(t, 'POST', '/users/kim/activity', { token: kim, body: { last_activity: future } }),
      400,
      /future/,
    );
    assertError(
      await call(t, 'POST', '/users/ghost/activity', {
        token: admin,
        body: { last_activity: '2026-01-01T00:00:00Z' },
      }),
      404,
    );
  });

  it('GET one server (6.0): the stopped default server is a 404 until it exists; named servers by name', async () => {
    assertError(await call(t, 'GET', '/users/lee/server', { token: admin }), 404);
    const nb = await call(t, 'GET', '/users/kim/servers/nb', { token: kim });
    assert.equal(nb.status, 200);
    assert.deepEqual([nb.body.name, nb.body.full_name, nb.body.stopped], ['nb', 'kim/nb', true]);
    assert.equal(nb.body.state, undefined, 'state needs admin:server_state');
    assert.deepEqual(
      (await call(t, 'GET', '/users/kim/servers/nb', { token: admin })).body.state,
      {},
    );
    assertError(
      await call(t, 'GET', '/users/kim/servers/nb', { token: await t.token('lee') }),
      404,
      /No access/,
    );
  });
});
