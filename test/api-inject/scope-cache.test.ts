import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInjectHub, type InjectHub } from '../helpers/inject-hub.js';
import { call } from './helpers.js';

/**
 * Expanded scopes are cached per token (core/rbac/scope-cache.ts) and must never outlive a change:
 * each change below is followed at once by a request with the same, already cached token.
 */
describe('scope cache: every change is seen by the next request', () => {
  let t: InjectHub;
  let root: string;
  let kim: string;
  before(async () => {
    t = await startInjectHub({
      config: {
        JupyterHub: {
          load_roles: [
            { name: 'readers', scopes: ['list:users', 'read:users'], groups: ['staff'] },
          ],
        },
      },
    });
    root = await t.token('root', { admin: true });
    kim = await t.token('kim');
  });
  after(async () => {
    await t.stop();
  });

  const listStatus = async () => (await call(t, 'GET', '/users', { token: kim })).status;

  it('admin granted and revoked through the API', async () => {
    assert.equal(await listStatus(), 403);
    assert.equal(await listStatus(), 403); // cached now
    const up = await call(t, 'PATCH', '/users/kim', { token: root, body: { admin: true } });
    assert.equal(up.status, 200, up.text);
    assert.equal(await listStatus(), 200);
    await call(t, 'PATCH', '/users/kim', { token: root, body: { admin: false } });
    assert.equal(await listStatus(), 403);
  });

  it('group membership carrying a role, added and removed', async () => {
    const add = await call(t, 'POST', '/groups/staff/users', {
      token: root,
      body: { users: ['kim'] },
    });
    assert.ok([200, 201].includes(add.status), add.text);
    assert.equal(await listStatus(), 200);
    await call(t, 'DELETE', '/groups/staff/users', { token: root, body: { users: ['kim'] } });
    assert.equal(await listStatus(), 403);
  });

  it('a change made straight in the database (another replica, a labhub command) too', async () => {
    const store = t.hub.ctx.store;
    const u = (await store.users.byName('kim'))!;
    await store.users.setAdmin(u.id, true);
    assert.equal(await listStatus(), 200);
    await store.users.setAdmin(u.id, false);
    assert.equal(await listStatus(), 403);
  });
});
