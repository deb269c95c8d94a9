import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { PAGINATION, assertError, call } from './helpers.js';

/**
 * Users API: list (pagination, filters, sort, state, include_stopped_servers, scope-restricted
 * rows), create/modify/delete with every error row of §4.5, and the security cases
 * CVE-2024-41942 and GHSA-69wv-m5fw-2fhp.
 */
describe('users API', () => {
  let t: InjectHub;
  let admin: string;
  before(async () => {
    t = await startInjectHub({
      config: {
        JupyterHub: {
          load_roles: [
            // CVE-2024-41942: admin:users through a custom role, without being admin.
            { name: 'user-manager', scopes: ['admin:users', 'list:users'], users: ['mallory'] },
            // GHSA-69wv-m5fw-2fhp: admin scopes filtered to group x.
            {
              name: 'x-manager',
              scopes: [
                'admin:users!group=x',
                'list:users!group=x',
                'admin:groups!group=x',
                'list:groups!group=x',
              ],
              users: ['eve'],
            },
            { name: 'server-lister', scopes: ['list:users!server=u1/'], users: ['sam'] },
          ],
          load_groups: { x: { users: ['xm1', 'xm2'] } },
        },
        Authenticator: { allow_all: true, username_pattern: '^[a-z][a-z0-9-]*$' },
      },
    });
    admin = await t.token('root', { admin: true });
    const r = await call(t, 'POST', '/users', {
      token: admin,
      body: { usernames: ['u1', 'u2', 'u3', 'u4', 'u5'] },
    });
    assert.equal(r.status, 201);
  });
  after(async () => {
    await t.stop();
  });

  it('paginates only for the exact Accept token, with an absolute next.url keeping other parameters', async () => {
    const bare = await call(t, 'GET', '/users?limit=2', { token: admin });
    assert.equal(bare.status, 200);
    assert.ok(Array.isArray(bare.body), 'no Accept header: a bare list');
    assert.equal(bare.body.length, 2);

    const p = await call(t, 'GET', '/users?name_filter=u&sort=name&limit=2', {
      token: admin,
      headers: { Accept: PAGINATION },
    });
    assert.equal(p.status, 200);
    assert.deepEqual(
      p.body.items.map((u: any) => u.name),
      ['u1', 'u2'],
    );
    assert.deepEqual(
      { ...p.body._pagination, next: undefined },
      { offset: 0, limit: 2, total: 5, next: undefined },
    );
    const next = new URL(p.body._pagination.next.url);
    assert.equal(next.protocol, 'http:');
    assert.equal(
      next.host,
      new URL(t.url).host,
      'next.url is absolute, built from the Host header',
    );
    assert.equal(next.pathname, '/hub/api/users');
    assert.equal(next.searchParams.get('name_filter'), 'u');
    assert.equal(next.searchParams.get('sort'), 'name');
    assert.equal(next.searchParams.get('offset'), '2');
    assert.equal(next.searchParams.get('limit'), '2');
    assert.deepEqual(p.body._pagination.next, { offset: 2, limit: 2, url: next.toString() });

    // Follow next.url verbatim, as the idle culler does, to the last page: next is null there.
    const page2 = await call(t, 'GET', p.body._pagination.next.url, {
      token: admin,
      headers: { Accept: PAGINATION },
    });
    assert.deepEqual(
      page2.body.items.map((u: any) => u.name),
      ['u3', 'u4'],
    );
    const last = await call(t, 'GET', page2.body._pagination.next.url, {
      token: admin,
      headers: { Accept: PAGINATION },
    });
    assert.deepEqual(
      last.body.items.map((u: any) => u.name),
      ['u5'],
    );
    assert.equal(last.body._pagination.next, null);

    // Among other types, still an exact token match; a parameter such as ;q= defeats it.
    const listed = await call(t, 'GET', '/users?limit=1', {
      token: admin,
      headers: { Accept: `application/json, ${PAGINATION.toUpperCase()} ` },
    });
    assert.ok('_pagination' in listed.body);
    const withQ = await call(t, 'GET', '/users?limit=1', {
      token: admin,
      headers: { Accept: `${PAGINATION};q=0.9` },
    });
    assert.ok(Array.isArray(withQ.body), ';q= parameter: not an exact match, bare list');
  });

  it('clamps limit, makes negatives positive, and refuses non-integers', async () => {
    const h = { Accept: PAGINATION };
    assert.equal(
      (await call(t, 'GET', '/users?limit=100000', { token: admin, headers: h })).body._pagination
        .limit,
      200,
    );
    assert.equal(
      (await call(t, 'GET', '/users?limit=0', { token: admin, headers: h })).body._pagination.limit,
      1,
    );
    const neg = await call(t, 'GET', '/users?limit=-2&offset=-1&sort=name&name_filter=u', {
      token: admin,
      headers: h,
    });
    assert.deepEqual(
      { offset: neg.body._pagination.offset, limit: neg.body._pagination.limit },
      { offset: 1, limit: 2 },
    );
    assert.deepEqual(
      neg.body.items.map((u: any) => u.name),
      ['u2', 'u3'],
    );
    assert.equal(
      (await call(t, 'GET', '/users', { token: admin, headers: h })).body._pagination.limit,
      50,
      'default page size with pagination',
    );
    for (const q of ['limit=abc', 'offset=1.5', 'limit=2e3']) {
      assertError(
        await call(t, 'GET', `/users?${q}`, { token: admin, headers: h }),
        400,
        /^(offset|limit) must be an integer from -2147483647 to 2147483647; got/,
      );
    }
  });

  it('sorts by id, name, last_activity (NULLs first ascending, last descending); other keys → 400', async () => {
    const u = t.hub.ctx.store.users;
    await u.touch((await u.byName('u3'))!.id, new Date('2026-01-01T00:00:00Z'));
    await u.touch((await u.byName('u1'))!.id, new Date('2026-02-01T00:00:00Z'));
    const names = async (sort: string) =>
      (await call(t, 'GET', `/users?name_filter=u&sort=${sort}`, { token: admin })).body.map(
        (x: any) => x.name,
      );
    assert.deepEqual(await names('name'), ['u1', 'u2', 'u3', 'u4', 'u5']);
    assert.deepEqual(await names('-name'), ['u5', 'u4', 'u3', 'u2', 'u1']);
    assert.deepEqual(await names('last_activity'), ['u2', 'u4', 'u5', 'u3', 'u1']);
    assert.deepEqual(await names('-last_activity'), ['u1', 'u3', 'u2', 'u4', 'u5']);
    assertError(await call(t, 'GET', '/users?sort=created', { token: admin }), 400, /sort/);
  });

  it('filters by state and shows stopped servers only with include_stopped_servers', async () => {
    const start = await call(t, 'POST', '/users/u2/server', { token: admin });
    assert.equal(start.status, 201, start.text);
    assert.equal(start.headers.get('content-type')?.split(';')[0], 'text/plain');
    const names = async (q: string) =>
      (await call(t, 'GET', `/users?name_filter=u&${q}`, { token: admin })).body.map(
        (x: any) => x.name,
      );
    assert.deepEqual(await names('state=active'), ['u2']);
    assert.deepEqual(await names('state=ready'), ['u2']);
    assert.deepEqual(await names('state=inactive'), ['u1', 'u3', 'u4', 'u5']);
    assertError(
      await call(t, 'GET', '/users?state=running', { token: admin }),
      400,
      /Unrecognized state filter/,
    );
    const u2 = (await call(t, 'GET', '/users/u2', { token: admin })).body;
    assert.equal(u2.server, '/user/u2/');
    assert.equal(u2.servers[''].ready, true);

    assert.equal((await call(t, 'DELETE', '/users/u2/server', { token: admin })).status, 204);
    const plain = (await call(t, 'GET', '/users/u2', { token: admin })).body;
    assert.deepEqual(plain.servers, {});
    for (const v of ['', '1', 'true']) {
      const withStopped = (
        await call(t, 'GET', `/users/u2?include_stopped_servers=${v}`, { token: admin })
      ).body;
      assert.equal(withStopped.servers[''].stopped, true, `include_stopped_servers=${v}`);
    }
    for (const v of ['0', 'false'])
      assert.deepEqual(
        (await call(t, 'GET', `/users/u2?include_stopped_servers=${v}`, { token: admin })).body
          .servers,
        {},
      );
    const listed = (
      await call(t, 'GET', '/users?name_filter=u2&include_stopped_servers', { token: admin })
    ).body;
    assert.equal(listed[0].servers[''].stopped, true);
  });

  it('create: 201 models, 400 no names / invalid names, 409 when all exist, existing ones skipped', async () => {
    assertError(
      await call(t, 'POST', '/users', { token: admin, body: {} }),
      400,
      /at least one user/,
    );
    assertError(await call(t, 'POST', '/users', { token: admin, body: { usernames: [] } }), 400);
    assertError(
      await call(t, 'POST', '/users', { token: admin, body: { usernames: ['bad_name'] } }),
      400,
      /Invalid username/,
    );
    assertError(
      await call(t, 'POST', '/users', { token: admin, body: { usernames: ['u1', 'u2'] } }),
      409,
    );
    const some = await call(t, 'POST', '/users', {
      token: admin,
      body: { usernames: ['u1', 'n1'] },
    });
    assert.equal(some.status, 201);
    assert.deepEqual(
      some.body.map((u: any) => u.name),
      ['n1'],
    );
    assert.equal(some.body[0].kind, 'user');
    assert.deepEqual(some.body[0].roles, ['user']);
    const one = await call(t, 'POST', '/users/n2', { token: admin, body: { admin: false } });
    assert.equal(one.status, 201);
    assert.equal(one.body.name, 'n2');
    assertError(await call(t, 'POST', '/users/n2', { token: admin }), 409, /already exists/);
    assertError(
      await call(t, 'POST', '/users/bad_name', { token: admin }),
      400,
      /Invalid username/,
    );
    assertError(await call(t, 'GET', '/users/nobody', { token: admin }), 404);
    assertError(await call(t, 'POST', '/users/n3'), 403, /Missing or invalid credentials/);
    const plainUser = await t.token('u1');
    assertError(
      await call(t, 'POST', '/users/n3', { token: plainUser }),
      403,
      /requires any of \[admin:users\]/,
    );
  });

  it('modify and delete: 400 rename to existing / bad types / unknown keys, 400 delete yourself, 404', async () => {
    assertError(
      await call(t, 'PATCH', '/users/n1', { token: admin, body: { name: 'u1' } }),
      400,
      /already exists/,
    );
    assertError(await call(t, 'PATCH', '/users/n1', { token: admin, body: { admin: 'yes' } }), 400);
    assertError(await call(t, 'PATCH', '/users/n1', { token: admin, body: { groups: 'x' } }), 400);
    assertError(
      await call(t, 'PATCH', '/users/n1', { token: admin, body: { color: 'red' } }),
      400,
      /Unknown user field/,
    );
    assertError(
      await call(t, 'PATCH', '/users/nobody', { token: admin, body: { admin: false } }),
      404,
    );
    const renamed = await call(t, 'PATCH', '/users/n1', {
      token: admin,
      body: { name: 'n1b', auth_state: { k: 1 } },
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'n1b');
    assert.deepEqual(renamed.body.auth_state, { k: 1 });
    assertError(await call(t, 'DELETE', '/users/root', { token: admin }), 400, /yourself/);
    assertError(await call(t, 'DELETE', '/users/nobody', { token: admin }), 404);
    assert.equal((await call(t, 'DELETE', '/users/n1b', { token: admin })).status, 204);
    assertError(await call(t, 'GET', '/users/n1b', { token: admin }), 404);
  });

  it('CVE-2024-41942: admin:users through a custom role cannot grant admin or touch admins', async () => {
    const m = await t.token('mallory');
    const forbidden = /Only admin users/;
    assertError(
      await call(t, 'POST', '/users/evil1', { token: m, body: { admin: true } }),
      403,
      forbidden,
    );
    assertError(
      await call(t, 'POST', '/users', { token: m, body: { usernames: ['evil2'], admin: true } }),
      403,
      forbidden,
    );
    assertError(
      await call(t, 'PATCH', '/users/mallory', { token: m, body: { admin: true } }),
      403,
      forbidden,
    );
    assertError(
      await call(t, 'PATCH', '/users/u3', { token: m, body: { admin: true } }),
      403,
      forbidden,
    );
    assertError(
      await call(t, 'PATCH', '/users/root', { token: m, body: { name: 'root2' } }),
      403,
      forbidden,
    );
    assertError(await call(t, 'DELETE', '/users/root', { token: m }), 403, forbidden);
    const store = t.hub.ctx.store.users;
    assert.equal((await store.byName('mallory'))!.admin, false);
    assert.equal((await store.byName('u3'))!.admin, false);
    assert.equal(await store.byName('evil1'), null);
    assert.equal(await store.byName('evil2'), null);
    // The scope works for everything else (the test is not vacuous).
    assert.equal(
      (await call(t, 'PATCH', '/users/u3', { token: m, body: { auth_state: { ok: true } } }))
        .status,
      200,
    );
    assert.equal((await call(t, 'POST', '/users/fine1', { token: m })).status, 201);
    // A real admin may grant admin.
    assert.equal(
      (await call(t, 'PATCH', '/users/fine1', { token: admin, body: { admin: true } })).body.admin,
      true,
    );
    assertError(await call(t, 'DELETE', '/users/fine1', { token: m }), 403, forbidden);
  });

  it('GHSA-69wv-m5fw-2fhp: admin:users!group=x acts only on members of x; the list shows only them', async () => {
    const e = await t.token('eve');
    const list = await call(t, 'GET', '/users', { token: e, headers: { Accept: PAGINATION } });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((u: any) => u.name).sort(), ['xm1', 'xm2']);
    assert.equal(
      list.body._pagination.total,
      2,
      'rows restricted in SQL: total counts only x members',
    );
    assertError(await call(t, 'GET', '/users/u1', { token: e }), 404, /No access to resources/);
    assertError(await call(t, 'PATCH', '/users/u1', { token: e, body: { auth_state: {} } }), 404);
    assertError(await call(t, 'DELETE', '/users/u1', { token: e }), 404);
    assertError(await call(t, 'POST', '/users/outsider', { token: e }), 404);
    assertError(
      await call(t, 'POST', '/users', { token: e, body: { usernames: ['outsider2'] } }),
      404,
    );
    assert.equal(await t.hub.ctx.store.users.byName('outsider'), null);
    assert.equal(await t.hub.ctx.store.users.byName('outsider2'), null);
    // Pulling an outsider into x would bring it under eve's filter: refused.
    assertError(
      await call(t, 'POST', '/groups/x/users', { token: e, body: { users: ['u1'] } }),
      403,
      /do not cover/,
    );
    assertError(
      await call(t, 'POST', '/groups', { token: e, body: { groups: ['y'], users: [] } }),
      404,
    );
    // Members of x are fully manageable (not vacuous).
    assert.equal(
      (await call(t, 'PATCH', '/users/xm1', { token: e, body: { auth_state: { a: 1 } } })).status,
      200,
    );
    assert.equal(
      (await call(t, 'DELETE', '/groups/x/users', { token: e, body: { users: ['xm2'] } })).status,
      200,
    );
    assertError(
      await call(t, 'GET', '/users/xm2', { token: e }),
      404,
      /No access/,
      'LABHUB_ERR_NOT_FOUND',
    );
  });

  it('a !server= filter on list:users is refused (403), and list without the scope is 403', async () => {
    const s = await t.token('sam');
    assertError(
      await call(t, 'GET', '/users', { token: s }),
      403,
      /list:users cannot be filtered by server/,
    );
    assertError(
      await call(t, 'GET', '/users', { token: await t.token('u4') }),
      403,
      /requires any of \[list:users\]/,
    );
  });

  it('admin-access is a deprecated, authorized no-op', async () => {
    const r = await call(t, 'POST', '/users/u4/admin-access', { token: admin });
    assert.equal(r.status, 200);
    assertError(
      await call(t, 'POST', '/users/u4/admin-access', { token: await t.token('u5') }),
      404,
    );
  });
});
