import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { assertError, call } from './helpers.js';

/** Shares and share codes (JupyterHub 5.0): grant, inspect, revoke, codes; scopes and error rows. */
describe('shares API', () => {
  let t: InjectHub;
  let admin: string;
  let alice: string;
  before(async () => {
    t = await startInjectHub({
      config: {
        JupyterHub: {
          allow_named_servers: true,
          load_groups: { team: { users: ['carl'] } },
          load_roles: [
            {
              name: 'sharer',
              scopes: ['shares!user', 'read:users:name', 'read:groups:name'],
              users: ['alice', 'dave'],
            },
          ],
        },
      },
    });
    admin = await t.token('root', { admin: true });
    alice = await t.token('alice');
    for (const u of ['bob', 'erin']) await t.token(u);
    const put = await call(t, 'PUT', '/users/alice/servers/gpu', { token: alice, body: {} });
    assert.equal(put.status, 201, put.text);
  });
  after(async () => {
    await t.stop();
  });

  it('grants shares to a user and a group (default scope: access to that server)', async () => {
    const r = await call(t, 'POST', '/shares/alice/gpu', { token: alice, body: { user: 'bob' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      { ...r.body, created_at: undefined },
      {
        server: {
          user: { name: 'alice' },
          name: 'gpu',
          url: '/user/alice/gpu/',
          full_url: null,
          ready: false,
        },
        scopes: ['access:servers!server=alice/gpu'],
        user: { name: 'bob' },
        group: null,
        kind: 'user',
        created_at: undefined,
      },
    );
    assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT.*Z$/);
    // The default server is '' (URL ends with '/'); its record is created on demand.
    const g = await call(t, 'POST', '/shares/alice/', { token: alice, body: { group: 'team' } });
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(
      [g.body.kind, g.body.group, g.body.user, g.body.scopes],
      ['group', { name: 'team' }, null, ['access:servers!server=alice/']],
    );
  });

  it('lists shares by owner, server, recipient user (incl. via groups) and group — always paginated', async () => {
    const byOwner = await call(t, 'GET', '/shares/alice', { token: alice });
    assert.equal(byOwner.status, 200);
    assert.equal(byOwner.body.items.length, 2);
    assert.deepEqual(byOwner.body._pagination, { offset: 0, limit: 200, total: 2, next: null });
    const paged = await call(t, 'GET', '/shares/alice?limit=1', { token: alice });
    assert.equal(paged.body._pagination.next.offset, 1);
    assert.deepEqual(
      (await call(t, 'GET', '/shares/alice/gpu', { token: alice })).body.items.map(
        (s: any) => s.user.name,
      ),
      ['bob'],
    );
    assert.deepEqual(
      (await call(t, 'GET', '/users/bob/shared', { token: await t.token('bob') })).body.items.map(
        (s: any) => s.server.name,
      ),
      ['gpu'],
    );
    assert.deepEqual(
      (await call(t, 'GET', '/users/carl/shared', { token: admin })).body.items.map(
        (s: any) => s.group.name,
      ),
      ['team'],
    );
    assert.deepEqual(
      (await call(t, 'GET', '/groups/team/shared', { token: admin })).body.items.map(
        (s: any) => s.server.name,
      ),
      [''],
    );
    assertError(await call(t, 'GET', '/shares/ghost', { token: admin }), 404);
    assertError(await call(t, 'GET', '/shares/alice/nope', { token: admin }), 404);
    assertError(await call(t, 'GET', '/users/ghost/shared', { token: admin }), 404);
    assertError(await call(t, 'GET', '/groups/ghosts/shared', { token: admin }), 404);
    // Another user's shares: read:shares filtered to self → 404; no read:users:shares for bob → 404.
    assertError(
      await call(t, 'GET', '/shares/alice', { token: await t.token('bob') }),
      404,
      /No access/,
    );
    assertError(await call(t, 'GET', '/users/bob/shared', { token: alice }), 404);
  });

  it('refuses bad share requests: 400 validation, 403 scopes not held or no permission, 404 filtered, 405 without server', async () => {
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', { token: alice, body: {} }),
      400,
      /exactly one of "user" or "group"/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', {
        token: alice,
        body: { user: 'bob', group: 'team' },
      }),
      400,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', { token: alice, body: { user: 'ghost' } }),
      400,
      /No such user/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', { token: alice, body: { group: 'ghosts' } }),
      400,
      /No such group/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', { token: alice, body: { user: 'alice' } }),
      400,
      /owner/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', {
        token: alice,
        body: { user: 'bob', scopes: ['access:servers!server=alice/other'] },
      }),
      400,
      /filtered on the shared server/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', {
        token: alice,
        body: { user: 'bob', scopes: ['read:nothing!server=alice/gpu'] },
      }),
      400,
      /does not exist/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', {
        token: alice,
        body: { user: 'bob', scopes: ['admin:server_state!server=alice/gpu'] },
      }),
      403,
      /does not hold/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/nope', { token: alice, body: { user: 'bob' } }),
      404,
    );
    assertError(
      await call(t, 'POST', '/shares/alice', { token: alice, body: { user: 'bob' } }),
      405,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', {
        token: await t.token('bob'),
        body: { user: 'erin' },
      }),
      403,
      /requires any of \[shares\]/,
    );
    assertError(
      await call(t, 'POST', '/shares/alice/gpu', {
        token: await t.token('dave'),
        body: { user: 'erin' },
      }),
      404,
      /No access/,
    );
  });

  it('revokes: PATCH some scopes ({} when none left), DELETE by recipient, DELETE all', async () => {
    const extra = await call(t, 'POST', '/shares/alice/gpu', {
      token: alice,
      body: {
        user: 'erin',
        scopes: ['access:servers!server=alice/gpu', 'read:servers!server=alice/gpu'],
      },
    });
    assert.deepEqual(extra.body.scopes, [
      'access:servers!server=alice/gpu',
      'read:servers!server=alice/gpu',
    ]);
    const patched = await call(t, 'PATCH', '/shares/alice/gpu', {
      token: alice,
      body: { user: 'erin', scopes: ['read:servers!server=alice/gpu'] },
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.scopes, ['access:servers!server=alice/gpu']);
    const gone = await call(t, 'PATCH', '/shares/alice/', {
      token: alice,
      body: { group: 'team' },
    });
    assert.deepEqual(gone.body, {});
    assert.equal(
      (await call(t, 'GET', '/groups/team/shared', { token: admin })).body.items.length,
      0,
    );
    assertError(
      await call(t, 'PATCH', '/shares/alice', { token: alice, body: { user: 'bob' } }),
      405,
    );

    const bob = await t.token('bob');
    const one = await call(t, 'GET', '/users/bob/shared/alice/gpu', { token: bob });
    assert.equal(one.status, 200);
    assert.equal(one.body.user.name, 'bob');
    assert.equal(
      (await call(t, 'DELETE', '/users/bob/shared/alice/gpu', { token: bob })).status,
      204,
    );
    assertError(await call(t, 'GET', '/users/bob/shared/alice/gpu', { token: bob }), 404);
    assertError(await call(t, 'DELETE', '/users/bob/shared/alice/gpu', { token: bob }), 404);
    assertError(await call(t, 'GET', '/groups/team/shared/alice/', { token: admin }), 404);

    assert.equal((await call(t, 'DELETE', '/shares/alice/gpu', { token: alice })).status, 204);
    assert.equal(
      (await call(t, 'GET', '/shares/alice', { token: alice })).body._pagination.total,
      0,
    );
    assertError(await call(t, 'DELETE', '/shares/alice/nope', { token: alice }), 404);
    assertError(await call(t, 'DELETE', '/shares/alice', { token: alice }), 405);
  });

  it('share codes: create (code shown once), list, exchange, delete by id / code / all', async () => {
    const c = await call(t, 'POST', '/share-codes/alice/gpu', {
      token: alice,
      body: { expires_in: 3600 },
    });
    assert.equal(c.status, 200, c.text);
    assert.match(c.body.code, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(c.body.accept_url, `/hub/accept-share?code=${c.body.code}`);
    assert.equal(c.body.full_accept_url, null);
    assert.match(c.body.id, /^sc_\d+$/);
    assert.deepEqual(c.body.scopes, ['access:servers!server=alice/gpu']);
    assert.equal(c.body.exchange_count, 0);
    assert.equal(c.body.last_exchanged_at, null);
    const lifetime = Date.parse(c.body.expires_at) - Date.parse(c.body.created_at);
    assert.ok(
      Math.abs(lifetime - 3600_000) < 5000,
      `expires_at is about an hour after created_at (${lifetime} ms)`,
    );
    for (const bad of [10, 400 * 24 * 3600, 'soon'])
      assertError(
        await call(t, 'POST', '/share-codes/alice/gpu', {
          token: alice,
          body: { expires_in: bad },
        }),
        400,
        /expires_in/,
      );
    assertError(await call(t, 'POST', '/share-codes/alice', { token: alice, body: {} }), 405);

    const listed = await call(t, 'GET', '/share-codes/alice', { token: alice });
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].code, undefined, 'the code is never listed');
    assert.equal(
      (await call(t, 'GET', '/share-codes/alice/', { token: alice })).body.items.length,
      0,
      'default server has no codes',
    );

    // What /hub/accept-share does with a code: a share for the accepting user, counted.
    const erin = (await t.hub.ctx.store.users.byName('erin'))!;
    const share = await t.hub.ctx.store.shares.exchangeCode(c.body.code, erin.id);
    assert.deepEqual(share?.scopes, ['access:servers!server=alice/gpu']);
    assert.equal(
      await t.hub.ctx.store.shares.exchangeCode('not-a-real-code-at-all', erin.id),
      null,
    );
    const after1 = (await call(t, 'GET', '/share-codes/alice/gpu', { token: alice })).body.items[0];
    assert.equal(after1.exchange_count, 1);
    assert.match(after1.last_exchanged_at, /Z$/);
    assert.deepEqual(
      (await call(t, 'GET', '/users/erin/shared', { token: admin })).body.items.map(
        (s: any) => s.server.name,
      ),
      ['gpu'],
    );

    assertError(
      await call(t, 'DELETE', '/share-codes/alice/gpu?id=sc_999999', { token: alice }),
      404,
    );
    assertError(
      await call(t, 'DELETE', '/share-codes/alice/gpu?code=wrong-code-123', { token: alice }),
      404,
    );
    assert.equal(
      (await call(t, 'DELETE', `/share-codes/alice/gpu?code=${c.body.code}`, { token: alice }))
        .status,
      204,
    );
    const c2 = await call(t, 'POST', '/share-codes/alice/gpu', { token: alice, body: {} });
    assert.equal(
      Date.parse(c2.body.expires_at) - Date.parse(c2.body.created_at) > 86_000_000,
      true,
      'default: one day',
    );
    assert.equal(
      (await call(t, 'DELETE', `/share-codes/alice/gpu?id=${c2.body.id}`, { token: alice })).status,
      204,
    );
    await call(t, 'POST', '/share-codes/alice/gpu', { token: alice, body: {} });
    assert.equal((await call(t, 'DELETE', '/share-codes/alice/gpu', { token: alice })).status, 204);
    assert.equal(
      (await call(t, 'GET', '/share-codes/alice', { token: alice })).body._pagination.total,
      0,
    );
    assertError(await call(t, 'GET', '/share-codes/alice', { token: await t.token('bob') }), 404);
  });

  it('removing a named server removes its shares', async () => {
    await call(t, 'POST', '/shares/alice/gpu', { token: alice, body: { user: 'bob' } });
    assert.equal(
      (
        await call(t, 'DELETE', '/users/alice/servers/gpu', {
          token: alice,
          body: { remove: true },
        })
      ).status,
      204,
    );
    assertError(await call(t, 'GET', '/users/alice/servers/gpu', { token: alice }), 404);
    assert.equal(
      (await call(t, 'GET', '/users/bob/shared', { token: admin })).body._pagination.total,
      0,
    );
  });
});
