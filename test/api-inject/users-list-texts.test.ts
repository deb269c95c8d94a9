import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { PAGINATION } from './helpers.js';

/**
 * GET /users answers each plain user (no servers, groups or assigned roles) from the JSON text
 * it remembered for the same row and the same kind of caller: every change of the row, and a
 * caller who may see other keys, must give a new text.
 */
describe('users listing: remembered user texts', () => {
  let t: InjectHub;
  before(async () => {
    t = await startInjectHub();
  });
  after(async () => t?.stop());

  const list = (token: string, paginated = true) =>
    t.call('GET', '/users?limit=50', {
      token,
      headers: paginated ? { accept: PAGINATION } : {},
    });
  const item = (r: { body: unknown }, name: string) =>
    ((paginated: { items?: unknown[] } | unknown[]) =>
      (Array.isArray(paginated) ? paginated : paginated.items!).find(
        (u) => (u as { name: string }).name === name,
      ) as Record<string, unknown> | undefined)(r.body as { items: unknown[] });

  it('follows every change of the row and each caller’s scopes, with the same JSON text', async () => {
    const admin = await t.token('root', { admin: true });
    // read:servers unfiltered, but not read:users: no created / last_activity / roles.
    const names = await t.token('nina', {
      admin: true, // the token's own scopes are the limit
      scopes: ['list:users', 'read:users:name', 'read:users:groups', 'read:servers'],
    });
    const made = await t.call('POST', '/users', {
      token: admin,
      body: { usernames: ['ua', 'ub'] },
    });
    assert.equal(made.status, 201);

    const first = await list(admin);
    assert.equal(first.text, JSON.stringify(first.body)); // the text is JSON.stringify's
    assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(Object.keys(item(first, 'ua')!), [
      'kind',
      'name',
      'admin',
      'user_info',
      'roles',
      'groups',
      'server',
      'pending',
      'created',
      'last_activity',
      'servers',
    ]);
    // A text is remembered from a user's second listing on: the third answers from it.
    assert.equal((await list(admin)).text, first.text);
    assert.equal((await list(admin)).text, first.text);

    // Another caller right after: its own keys, not the admin's remembered text.
    await list(names);
    const narrow = await list(names);
    assert.deepEqual(item(narrow, 'ua'), {
      kind: 'user',
      name: 'ua',
      admin: false,
      user_info: null,
      groups: [],
      servers: {},
    });

    // One change at a time, each after the text was remembered (listed twice since).
    const store = t.hub.ctx.store;
    const ua = (await store.users.byName('ua'))!;
    await store.users.touch(ua.id, new Date('2026-01-02T03:04:05.678Z'));
    assert.equal(item(await list(admin), 'ua')!.last_activity, '2026-01-02T03:04:05.678000Z');
    await list(admin);
    await store.users.setAdmin(ua.id, true);
    assert.equal(item(await list(admin), 'ua')!.admin, true);
    await list(admin);
    const ub = (await store.users.byName('ub'))!;
    await store.users.rename(ub.id, 'uc');
    const changed = await list(admin);
    assert.equal(item(changed, 'ua')!.admin, true);
    assert.deepEqual(item(changed, 'ua')!.roles, ['admin', 'user']);
    assert.equal(item(changed, 'ua')!.last_activity, '2026-01-02T03:04:05.678000Z');
    assert.equal(item(changed, 'ub'), undefined);
    assert.equal(item(changed, 'uc')!.name, 'uc');
    assert.equal(item(await list(names), 'ua')!.admin, true);

    // Without pagination: the bare list, as JSON with fastify's content type.
    const bare = await list(admin, false);
    assert.equal(bare.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(bare.text, JSON.stringify((changed.body as { items: unknown[] }).items));
  });
});
