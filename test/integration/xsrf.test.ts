/**
 * XSRF over real sockets (hub-protocol.md §7.4): cookie-authenticated API requests need the
 * page's token, whatever Sec-Fetch-Mode says (CVE-2026-40864); token-authenticated ones do not;
 * a cross-site form cannot drive the admin API with the admin's cookie (CVE-2020-36191).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieClient } from '../helpers/cookie-client.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { loggedIn, rawRequest, type RawResponse } from './support.js';

let t: TestHub;
let admin: CookieClient;
let adminToken: string;
let xsrf: string;

before(async () => {
  t = await startTestHub({
    config: { Authenticator: { allow_all: true, admin_users: ['admin'] } },
  });
  admin = await loggedIn(t, 'admin');
  xsrf = await admin.xsrf('/hub/home');
  adminToken = await t.token('admin', { admin: true });
});
after(async () => {
  await t?.stop();
});

async function userExists(name: string): Promise<boolean> {
  const r = await hubFetch(`${t.api}/users/${name}`, { token: adminToken });
  assert.ok(r.status === 200 || r.status === 404, `GET user ${name}: ${r.status}`);
  return r.status === 200;
}

function createUser(
  c: CookieClient,
  name: string,
  headers: Record<string, string>,
  body: BodyInit = '{}',
): Promise<Response> {
  return c.fetch(`/hub/api/users/${name}`, { method: 'POST', body, headers });
}

/** A request with the admin's cookies and exactly these headers (see rawRequest). */
function asAdmin(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return rawRequest(`${t.url}${path}`, {
    method,
    headers: { Cookie: admin.cookieHeader(), ...headers },
    body,
  });
}

async function assertXsrfRefusal(r: Response | RawResponse, where: string): Promise<void> {
  assert.equal(r.status, 403, `${where}: status ${r.status}`);
  const body = 'json' in r ? await r.json() : JSON.parse(r.body);
  assert.equal(body.status, 403);
  assert.equal(typeof body.message, 'string');
  assert.ok(
    ['LABHUB_ERR_XSRF', 'LABHUB_ERR_NOT_AUTHENTICATED'].includes(body.code),
    `${where}: code ${body.code}`,
  );
}

describe('cookie-authenticated API writes', () => {
  test('without X-XSRFToken → 403 and nothing happens', async () => {
    const r = await createUser(admin, 'mallory1', { 'Content-Type': 'application/json' });
    await assertXsrfRefusal(r, 'no token');
    assert.equal(await userExists('mallory1'), false);
  });

  test('with a wrong token → 403', async () => {
    const r = await createUser(admin, 'mallory2', {
      'Content-Type': 'application/json',
      'X-XSRFToken': 'x'.repeat(xsrf.length),
    });
    await assertXsrfRefusal(r, 'wrong token');
    const other = await loggedIn(t, 'bob');
    const bobs = await other.xsrf('/hub/home');
    const r2 = await createUser(admin, 'mallory2', {
      'Content-Type': 'application/json',
      'X-XSRFToken': bobs,
    });
    await assertXsrfRefusal(r2, "another session's token");
    assert.equal(await userExists('mallory2'), false);
  });

  test('with the token from the page (X-XSRFToken, X-CSRFToken or ?_xsrf=) → done', async () => {
    const a = await createUser(admin, 'okuser1', {
      'Content-Type': 'application/json',
      'X-XSRFToken': xsrf,
    });
    assert.equal(a.status, 201);
    const b = await createUser(admin, 'okuser2', {
      'Content-Type': 'application/json',
      'X-CSRFToken': xsrf,
    });
    assert.equal(b.status, 201);
    const c = await admin.fetch(`/hub/api/users/okuser3?_xsrf=${encodeURIComponent(xsrf)}`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(c.status, 201);
    for (const n of ['okuser1', 'okuser2', 'okuser3']) assert.equal(await userExists(n), true);
  });

  test('Sec-Fetch-Mode: no-cors POST without token → 403 (CVE-2026-40864)', async () => {
    const json = { 'Content-Type': 'application/json' };
    await assertXsrfRefusal(
      await asAdmin(
        'POST',
        '/hub/api/users/mallory3',
        { ...json, 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Site': 'cross-site' },
        '{}',
      ),
      'no-cors POST',
    );
    await assertXsrfRefusal(
      await asAdmin(
        'POST',
        '/hub/api/users/mallory3',
        { ...json, 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Site': 'same-origin' },
        '{}',
      ),
      'same-origin no-cors POST',
    );
    await assertXsrfRefusal(
      await asAdmin(
        'POST',
        '/hub/api/users/mallory3',
        { ...json, 'Sec-Fetch-Mode': 'navigate' },
        '{}',
      ),
      'navigate POST',
    );
    await assertXsrfRefusal(
      await asAdmin('POST', '/hub/api/users/mallory3', json, '{}'),
      'POST from a client without fetch metadata',
    );
    // The same request with the token goes through: the refusals above were about the token.
    const ok = await asAdmin(
      'POST',
      '/hub/api/users/okuser4',
      { ...json, 'Sec-Fetch-Mode': 'no-cors', 'X-XSRFToken': xsrf },
      '{}',
    );
    assert.equal(ok.status, 201, ok.body);
    assert.equal(await userExists('mallory3'), false);
  });

  test('DELETE and PATCH need the token too', async () => {
    const del = await admin.fetch('/hub/api/users/okuser1', { method: 'DELETE' });
    await assertXsrfRefusal(del, 'DELETE');
    const patch = await admin.fetch('/hub/api/users/okuser1', {
      method: 'PATCH',
      body: JSON.stringify({ admin: true }),
      headers: { 'Content-Type': 'application/json' },
    });
    await assertXsrfRefusal(patch, 'PATCH');
    const m = await (await hubFetch(`${t.api}/users/okuser1`, { token: adminToken })).json();
    assert.equal(m.admin, false);
  });
});

describe('cross-site form POST to the admin API (CVE-2020-36191)', () => {
  test('form content type with the admin cookie → 403, user not created (with or without _xsrf)', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const r = await createUser(admin, 'mallory', form, new URLSearchParams({ admin: 'true' }));
    assert.equal(r.status, 403);
    const r2 = await createUser(admin, 'mallory', form, new URLSearchParams({ _xsrf: xsrf }));
    assert.equal(r2.status, 403, 'a cookie-authenticated API request must be JSON');
    const r3 = await createUser(
      admin,
      'mallory',
      { 'Content-Type': 'text/plain' },
      '{"admin": true}',
    );
    assert.equal(r3.status, 403);
    const r4 = await createUser(
      admin,
      'mallory',
      { 'Content-Type': 'multipart/form-data; boundary=x' },
      '--x--',
    );
    assert.equal(r4.status, 403);
    assert.equal(await userExists('mallory'), false);
  });

  test('the same with a JSON body but no token (fetch from another origin) → 403', async () => {
    const r = await createUser(
      admin,
      'mallory',
      {
        'Content-Type': 'application/json',
        Origin: 'https://evil.example',
        'Sec-Fetch-Site': 'cross-site',
        'Sec-Fetch-Mode': 'cors',
      },
      '{"admin": true}',
    );
    await assertXsrfRefusal(r, 'cross-origin JSON');
    assert.equal(await userExists('mallory'), false);
  });
});

describe('cookie-authenticated API reads', () => {
  test('GET with Sec-Fetch-Mode: cors and no token → 403', async () => {
    await assertXsrfRefusal(
      await asAdmin('GET', '/hub/api/users/admin', { 'Sec-Fetch-Mode': 'cors' }),
      'cors GET',
    );
    assert.equal((await asAdmin('GET', '/hub/api/user', { 'Sec-Fetch-Mode': 'cors' })).status, 403);
    // Node's fetch is a cors-mode client too.
    await assertXsrfRefusal(await admin.fetch('/hub/api/users/admin'), 'fetch() GET');
  });

  test('GET with Sec-Fetch-Mode: no-cors and no token → 403', async () => {
    await assertXsrfRefusal(
      await asAdmin('GET', '/hub/api/users/admin', {
        'Sec-Fetch-Mode': 'no-cors',
        'Sec-Fetch-Site': 'cross-site',
      }),
      'no-cors GET',
    );
  });

  test('GET with Sec-Fetch-Mode: cors and the token → 200', async () => {
    const r = await admin.fetch('/hub/api/users/admin', {
      headers: { 'Sec-Fetch-Mode': 'cors', 'X-XSRFToken': xsrf },
    });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).name, 'admin');
  });

  test('navigation GET (Sec-Fetch-Mode: navigate, or no header) → 200 without a token', async () => {
    for (const headers of [{ 'Sec-Fetch-Mode': 'navigate' }, {}] as Array<Record<string, string>>) {
      const r = await asAdmin('GET', '/hub/api/users/admin', headers);
      assert.equal(r.status, 200, `${JSON.stringify(headers)}: ${r.body}`);
      assert.equal(JSON.parse(r.body).name, 'admin');
    }
  });
});

describe('token-authenticated requests need no XSRF', () => {
  test('POST/PATCH/DELETE with Authorization: token, even with no-cors and a stray cookie', async () => {
    const h = {
      Authorization: `token ${adminToken}`,
      'Content-Type': 'application/json',
      'Sec-Fetch-Mode': 'no-cors',
    };
    const created = await rawRequest(`${t.api}/users/tokuser`, {
      method: 'POST',
      body: '{}',
      headers: { ...h, Cookie: admin.cookieHeader() },
    });
    assert.equal(created.status, 201, created.body);
    const patched = await rawRequest(`${t.api}/users/tokuser`, {
      method: 'PATCH',
      body: JSON.stringify({ admin: false }),
      headers: h,
    });
    assert.equal(patched.status, 200, patched.body);
    const deleted = await rawRequest(`${t.api}/users/tokuser`, {
      method: 'DELETE',
      headers: { Authorization: h.Authorization },
    });
    assert.equal(deleted.status, 204, deleted.body);
    assert.equal(await userExists('tokuser'), false);
  });

  test('bearer scheme works the same way; an invalid token is 403 and not a cookie fallback', async () => {
    const ok = await fetch(`${t.api}/users/tokuser2`, {
      method: 'POST',
      body: '{}',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    });
    assert.equal(ok.status, 201);
    const bad = await fetch(`${t.api}/users/tokuser3`, {
      method: 'POST',
      body: '{}',
      headers: {
        Authorization: 'token not-a-valid-token-123',
        'Content-Type': 'application/json',
        Cookie: admin.cookieHeader(),
        'X-XSRFToken': xsrf,
      },
    });
    assert.equal(bad.status, 403);
    assert.equal(await userExists('tokuser3'), false);
  });
});

describe('page forms', () => {
  test('POST /hub/spawn without _xsrf → 403, with it → spawn starts', async () => {
    const c = await loggedIn(t, 'formuser');
    const token = await c.xsrf('/hub/home');
    const bad = await c.fetch('/hub/spawn', {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(bad.status, 403);
    const userToken = await t.token('formuser');
    const srv = await (await hubFetch(`${t.api}/users/formuser`, { token: userToken })).json();
    assert.deepEqual(srv.servers ?? {}, {}, 'no server was started by the refused POST');
    const good = await c.fetch('/hub/spawn', {
      method: 'POST',
      body: new URLSearchParams({ _xsrf: token }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(good.status, 302);
    assert.match(good.headers.get('location')!, /^\/hub\/spawn-pending\/formuser/);
  });
});
