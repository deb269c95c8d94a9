import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, hubFetch } from './test-hub.js';
import { CookieClient } from './cookie-client.js';

test('test hub: login through the proxy, spawn the fake server, reach it, stop it', async () => {
  const t = await startTestHub();
  try {
    const r = await hubFetch(`${t.api}/`);
    assert.deepEqual(await r.json(), { version: '6.1.1' });
    const c = new CookieClient(t.url);
    const login = await c.login('alice');
    assert.equal(login.status, 302);
    const spawn = await c.navigate('/hub/spawn');
    assert.equal(spawn.status, 302);
    assert.match(spawn.headers.get('location')!, /^\/hub\/spawn-pending\/alice/);
    const token = await t.token('alice');
    for (let i = 0; i < 100; i++) {
      const u = await (await hubFetch(`${t.api}/users/alice`, { token })).json();
      if (u.servers?.['']?.ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${t.url}/user/alice/api/status`);
    const info = await res.json();
    assert.equal(info.path, '/user/alice/api/status');
    const stop = await hubFetch(`${t.api}/users/alice/server`, { method: 'DELETE', token });
    assert.equal(stop.status, 204);
    const after = await fetch(`${t.url}/user/alice/api/status`, { redirect: 'manual' });
    assert.equal(after.status, 302, 'a stopped server falls back to the hub');
  } finally {
    await t.stop();
  }
});
