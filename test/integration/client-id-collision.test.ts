import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';

const until = async (f: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await f()); i++) await new Promise((r) => setTimeout(r, 100));
};

test('user "a-b" and server "b" of user "a" share an OAuth client id: neither can take over or revoke the other', async () => {
  const t = await startTestHub({ config: { JupyterHub: { allow_named_servers: true } } });
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('amy');
    await t.token('amy-lab');
    // amy's named server "lab" → client jupyterhub-user-amy-lab
    assert.ok(
      [201, 202].includes(
        (await hubFetch(`${t.api}/users/amy/servers/lab`, { method: 'POST', token: admin })).status,
      ),
    );
    await until(
      async () =>
        (await (await hubFetch(`${t.api}/users/amy`, { token: admin })).json()).servers?.lab
          ?.ready === true,
    );
    const before = await t.hub.ctx.store.oauth.client('jupyterhub-user-amy-lab');
    assert.equal(before?.redirectUri, '/user/amy/lab/oauth_callback');
    // user amy-lab's default server would get the same id: refused, and amy's client is untouched.
    const clash = await hubFetch(`${t.api}/users/amy-lab/server`, { method: 'POST', token: admin });
    assert.equal(clash.status, 409);
    assert.match((await clash.json()).message, /already used by another running server/);
    const after = await t.hub.ctx.store.oauth.client('jupyterhub-user-amy-lab');
    assert.equal(
      after?.redirectUri,
      '/user/amy/lab/oauth_callback',
      'the running server keeps its OAuth client',
    );
    assert.equal(after?.serverId, before?.serverId);
    // Once amy's server stops, amy-lab can start.
    assert.equal(
      (await hubFetch(`${t.api}/users/amy/servers/lab`, { method: 'DELETE', token: admin })).status,
      204,
    );
    assert.ok(
      [201, 202].includes(
        (await hubFetch(`${t.api}/users/amy-lab/server`, { method: 'POST', token: admin })).status,
      ),
    );
  } finally {
    await t.stop();
  }
});
