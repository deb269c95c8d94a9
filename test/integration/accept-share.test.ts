import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';
import { CookieClient } from '../helpers/cookie-client.js';

test('/hub/accept-share: a share code gives another user access to the server; own and unknown codes refused', async () => {
  // As in JupyterHub, users may share only when granted `shares!user` (e.g. extra_user_scopes).
  const t = await startTestHub({ config: { JupyterHub: { extra_user_scopes: ['shares!user'] } } });
  try {
    const alice = await t.token('alice');
    await t.token('bob');
    assert.ok(
      [201, 202].includes(
        (await hubFetch(`${t.api}/users/alice/server`, { method: 'POST', token: alice })).status,
      ),
    );
    for (let i = 0; i < 100; i++) {
      if (
        (await (await hubFetch(`${t.api}/users/alice`, { token: alice })).json()).servers?.['']
          ?.ready
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const codeRes = await hubFetch(`${t.api}/share-codes/alice/`, {
      method: 'POST',
      token: alice,
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(codeRes.status, 200);
    const { accept_url } = await codeRes.json();
    assert.match(accept_url, /^\/hub\/accept-share\?code=/);

    const bob = new CookieClient(t.url);
    await bob.login('bob');
    assert.equal(
      (await bob.fetch('/hub/user/alice/lab')).status,
      404,
      'before accepting, bob has no access',
    );
    assert.equal((await bob.fetch('/hub/accept-share?code=not-a-real-code')).status, 404);
    const page = await bob.fetch(accept_url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /alice/);
    const xsrf = /<meta name="xsrf" content="([^"]+)"/.exec(html)![1];
    assert.equal(
      (
        await bob.fetch(accept_url, {
          method: 'POST',
          body: new URLSearchParams({}),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        })
      ).status,
      403,
      'no XSRF → refused',
    );
    const accept = await bob.fetch(accept_url, {
      method: 'POST',
      body: new URLSearchParams({ _xsrf: xsrf }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(accept.status, 302);
    assert.equal(accept.headers.get('location'), '/user/alice/');
    const after = await bob.fetch('/hub/user/alice/lab');
    assert.equal(after.status, 302, "after accepting, bob is sent on to alice's running server");

    const own = new CookieClient(t.url);
    await own.login('alice');
    assert.equal(
      (await own.fetch(accept_url)).status,
      403,
      'accepting a share of your own server is refused',
    );
  } finally {
    await t.stop();
  }
});
