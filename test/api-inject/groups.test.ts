import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { PAGINATION, assertError, call } from './helpers.js';

/** Groups API: list (paginated, list:groups filters), create one/many, delete, members, properties, roles; every §4.5 error row. */
describe('groups API', () => {
  let t: InjectHub;
  let admin: string;
  before(async () => {
    t = await startInjectHub({
      config: {
        JupyterHub: {
          load_groups: {
            physics: { users: ['ann', 'ben'], properties: { course: 'PHY101' } },
            chem: { users: ['cat'] },
          },
          load_roles: [
            { name: 'physics-lead', scopes: ['read:users'], groups: ['physics'] },
            {
              name: 'chem-admin',
              scopes: [
                'admin:groups!group=chem',
                'list:groups!group=chem',
                'admin:users!group=chem',
              ],
              users: ['dan'],
            },
            { name: 'group-names', scopes: ['list:groups'], users: ['gus'] },
          ],
        },
      },
    });
    admin = await t.token('root', { admin: true });
  });
  after(async () => {
    await t.stop();
  });

  it('lists groups with members, properties and roles; paginated with the Accept header', async () => {
    const bare = await call(t, 'GET', '/groups', { token: admin });
    assert.equal(bare.status, 200);
    assert.ok(Array.isArray(bare.body));
    const physics = bare.body.find((g: any) => g.name === 'physics');
    assert.deepEqual(physics, {
      kind: 'group',
      name: 'physics',
      users: ['ann', 'ben'],
      properties: { course: 'PHY101' },
      roles: ['physics-lead'],
    });
    const p = await call(t, 'GET', '/groups?limit=1', {
      token: admin,
      headers: { Accept: PAGINATION },
    });
    assert.equal(p.body.items.length, 1);
    assert.equal(p.body._pagination.total, 2);
    const next = new URL(p.body._pagination.next.url);
    assert.equal(next.origin, new URL(t.url).origin);
    assert.equal(next.pathname, '/hub/api/groups');
    assert.deepEqual([next.searchParams.get('offset'), next.searchParams.get('limit')], ['1', '1']);
    const last = await call(t, 'GET', p.body._pagination.next.url, {
      token: admin,
      headers: { Accept: PAGINATION },
    });
    assert.equal(last.body._pagination.next, null);
    // list:groups alone reveals names only.
    const names = await call(t, 'GET', '/groups', { token: await t.token('gus') });
    assert.deepEqual(
      names.body.map((g: any) => Object.keys(g).sort()),
      [
        ['kind', 'name'],
        ['kind', 'name'],
      ],
    );
  });

  it('a filtered list:groups lists only the groups it names', async () => {
    const d = await t.token('dan');
    const r = await call(t, 'GET', '/groups', { token: d, headers: { Accept: PAGINATION } });
    assert.deepEqual(
      r.body.items.map((g: any) => g.name),
      ['chem'],
    );
    assert.equal(r.body._pagination.total, 1);
    assertError(await call(t, 'GET', '/groups/physics', { token: d }), 404, /No access/);
    assertError(await call(t, 'DELETE', '/groups/physics', { token: d }), 404);
    assertError(await call(t, 'PUT', '/groups/physics/properties', { token: d, body: {} }), 404);
    assertError(await call(t, 'POST', '/groups/newgroup', { token: d }), 404);
    // GHSA-69wv-m5fw-2fhp: dan cannot pull users outside chem into chem.
    assertError(
      await call(t, 'POST', '/groups/chem/users', { token: d, body: { users: ['ann'] } }),
      403,
    );
    assert.deepEqual((await call(t, 'GET', '/groups/chem', { token: admin })).body.users, ['cat']);
    assert.equal(
      (await call(t, 'PUT', '/groups/chem/properties', { token: d, body: { lab: 2 } })).status,
      200,
    );
    assertError(
      await call(t, 'GET', '/groups', { token: await t.token('ann') }),
      403,
      /requires any of \[list:groups\]/,
    );
  });

  it('creates one group or many: 201, 409 when any exists, 400 for bad bodies and unknown users', async () => {
    const one = await call(t, 'POST', '/groups/bio', { token: admin, body: { users: ['ann'] } });
    assert.equal(one.status, 201);
    assert.deepEqual(one.body, {
      kind: 'group',
      name: 'bio',
      users: ['ann'],
      properties: {},
      roles: [],
    });
    const empty = await call(t, 'POST', '/groups/geo', { token: admin });
    assert.equal(empty.status, 201);
    assertError(await call(t, 'POST', '/groups/bio', { token: admin }), 409, /already exists/);
    assertError(
      await call(t, 'POST', '/groups/astro', { token: admin, body: { users: ['nobody'] } }),
      400,
      /Unknown users: nobody/,
    );
    const many = await call(t, 'POST', '/groups', {
      token: admin,
      body: { groups: ['m1', 'm2'], users: ['ben'] },
    });
    assert.equal(many.status, 201);
    assert.deepEqual(
      many.body.map((g: any) => [g.name, g.users]),
      [
        ['m1', ['ben']],
        ['m2', ['ben']],
      ],
    );
    assertError(
      await call(t, 'POST', '/groups', { token: admin, body: { groups: ['m3', 'm1'] } }),
      409,
      /m1 already exists/,
    );
    assert.equal(
      await t.hub.ctx.store.groups.byName('m3'),
      null,
      'nothing created when one exists',
    );
    assertError(
      await call(t, 'POST', '/groups', { token: admin, body: {} }),
      400,
      /at least one group/,
    );
    assertError(await call(t, 'POST', '/groups', { token: admin, body: { groups: 'm4' } }), 400);
    assertError(
      await call(t, 'POST', '/groups', {
        token: admin,
        body: { groups: ['m5'], users: ['ghost'] },
      }),
      400,
      /Unknown users/,
    );
    assertError(
      await call(t, 'POST', '/groups/new', { token: await t.token('ann') }),
      403,
      /admin:groups/,
    );
  });

  it('adds and removes members (200 Group), 400 for missing or unknown users, 404 for unknown groups', async () => {
    const add = await call(t, 'POST', '/groups/geo/users', {
      token: admin,
      body: { users: ['ann', 'ben'] },
    });
    assert.equal(add.status, 200);
    assert.deepEqual(add.body.users, ['ann', 'ben']);
    const rm = await call(t, 'DELETE', '/groups/geo/users', {
      token: admin,
      body: { users: ['ann'] },
    });
    assert.deepEqual(rm.body.users, ['ben']);
    assertError(
      await call(t, 'POST', '/groups/geo/users', { token: admin, body: {} }),
      400,
      /Must specify users/,
    );
    assertError(
      await call(t, 'POST', '/groups/geo/users', { token: admin, body: { users: [] } }),
      400,
    );
    assertError(
      await call(t, 'DELETE', '/groups/geo/users', { token: admin, body: { users: ['ghost'] } }),
      400,
      /Unknown users/,
    );
    assertError(
      await call(t, 'POST', '/groups/ghosts/users', { token: admin, body: { users: ['ann'] } }),
      404,
    );
    // Membership shows in user models and grants the group's roles.
    const ben = (await call(t, 'GET', '/users/ben', { token: admin })).body;
    assert.ok(ben.groups.includes('geo'));
  });

  it('replaces properties with any JSON object; 400 otherwise', async () => {
    const r = await call(t, 'PUT', '/groups/geo/properties', {
      token: admin,
      body: { a: [1, 2], b: { c: null } },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.properties, { a: [1, 2], b: { c: null } });
    assert.deepEqual((await call(t, 'GET', '/groups/geo', { token: admin })).body.properties, {
      a: [1, 2],
      b: { c: null },
    });
    assertError(
      await call(t, 'PUT', '/groups/geo/properties', { token: admin, body: [1, 2] }),
      400,
      /JSON object/,
    );
    assertError(
      await call(t, 'PUT', '/groups/geo/properties', { token: admin, body: 'text' }),
      400,
    );
    assertError(await call(t, 'PUT', '/groups/ghosts/properties', { token: admin, body: {} }), 404);
  });

  it('deletes groups: 204, then 404', async () => {
    assert.equal((await call(t, 'DELETE', '/groups/m2', { token: admin })).status, 204);
    assertError(await call(t, 'DELETE', '/groups/m2', { token: admin }), 404);
    assertError(await call(t, 'GET', '/groups/m2', { token: admin }), 404);
  });
});
