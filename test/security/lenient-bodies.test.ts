/**
 * Request bodies schemathesis found accepted although they make no sense (ST201), now refused
 * with a 400 that names the field: `user_options` that is not an object (it became the spawner's
 * options, and the server model showed an array), token `roles` that are not role names, and a
 * PATCH of a user without a body (JupyterHub refuses it too).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { assertError, call } from '../api/helpers.js';

let t: TestHub;
let admin: string;

before(async () => {
  t = await startTestHub({ config: { JupyterHub: { allow_named_servers: true } } });
  admin = await t.token('root', { admin: true });
  await t.token('alice');
});
after(async () => {
  await t?.stop();
});

test('starting a server with user_options that is not a JSON object is a 400, and nothing starts', async () => {
  for (const path of ['/users/alice/server', '/users/alice/servers/nb'])
    for (const user_options of [[null, null], 'x', 5]) {
      assertError(
        await call(t, 'POST', path, { token: admin, body: { user_options } }),
        400,
        /^user_options must be a JSON object/,
      );
    }
  assertError(
    await call(t, 'POST', '/users/alice/server', { token: admin, body: { display_name: 5 } }),
    400,
    /^display_name must be a string/,
  );
  const u = await t.hub.ctx.store.users.byName('alice');
  assert.deepEqual(await t.hub.ctx.store.servers.forUser(u!.id), []);
});

test('token roles that are not a list of role names are a 400, also next to scopes', async () => {
  for (const body of [
    { roles: [{}], scopes: [] },
    { roles: 'admin' },
    { roles: [{}], scopes: ['read:users!user=alice'] },
  ])
    assertError(
      await call(t, 'POST', '/users/alice/tokens', { token: admin, body }),
      400,
      /^roles must be a list of role names/,
    );
});

test('PATCH /users/{name} without a body is a 400 that says what to send', async () => {
  assertError(
    await call(t, 'PATCH', '/users/alice', { token: admin }),
    400,
    /needs a JSON object body with name, admin and\/or auth_state/,
  );
  const same = await call(t, 'PATCH', '/users/alice', { token: admin, body: {} });
  assert.equal(same.status, 200, 'an empty object still changes nothing and answers the user');
});
