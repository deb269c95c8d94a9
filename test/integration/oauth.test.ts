/**
 * The OAuth 2 provider over real sockets (hub-protocol.md §3), driven the way
 * jupyterhub-singleuser drives it: the browser goes through the proxy to
 * /hub/api/oauth2/authorize, the server posts the code to JUPYTERHUB_API_URL/oauth2/token with its
 * JUPYTERHUB_API_TOKEN as client secret, then identifies the access token at /hub/api/user.
 * The OAuth client is the one a real spawn registered (its id, secret and callback come from the
 * environment the fake server received).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieClient } from '../helpers/cookie-client.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { assertHtmlPage, location, loggedIn, pkcePair, serverEnv, spawnAndWait } from './support.js';

let t: TestHub;
let alice: CookieClient;
let env: Record<string, string>;

before(async () => {
  t = await startTestHub({ config: { JupyterHub: { allow_named_servers: true }, Authenticator: { allow_all: true, admin_users: ['admin'] } } });
  alice = await loggedIn(t, 'alice');
  await spawnAndWait(t, alice, 'alice');
  env = await serverEnv(t, 'alice');
});
after(async () => {
  await t?.stop();
});

/** The authorize query a 6.x singleuser builds, with overrides (undefined drops a parameter). */
function authorizeQuery(over: Record<string, string | undefined> = {}, challenge?: string): string {
  const base: Record<string, string | undefined> = {
    client_id: env.JUPYTERHUB_CLIENT_ID,
    redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
    response_type: 'code',
    state: 'state-123',
    ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
    ...over,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(base)) if (v !== undefined) q.set(k, v);
  return q.toString();
}

async function authorize(c: CookieClient, query: string): Promise<Response> {
  return c.fetch(`/hub/api/oauth2/authorize?${query}`);
}

/** Run authorize and return the code from the 302 back to the callback. */
async function getCode(c: CookieClient = alice, over: Record<string, string | undefined> = {}, challenge?: string): Promise<string> {
  const r = await authorize(c, authorizeQuery(over, challenge));
  assert.equal(r.status, 302, `authorize should redirect, got ${r.status}: ${(await r.text()).slice(0, 200)}`);
  const loc = location(r);
  assert.equal(loc.path, env.JUPYTERHUB_OAUTH_CALLBACK_URL);
  const code = loc.query.get('code');
  assert.ok(code, `no code in ${loc.raw}`);
  return code;
}

/** POST the token request as the singleuser does (form-encoded, to the internal API URL). */
async function tokenRequest(params: Record<string, string | undefined> | string): Promise<{ res: Response; body: Record<string, unknown> }> {
  let body: string;
  if (typeof params === 'string') body = params;
  else {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
    body = q.toString();
  }
  const res = await hubFetch(`${env.JUPYTERHUB_API_URL}/oauth2/token`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `token ${env.JUPYTERHUB_API_TOKEN}` },
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

function exchange(code: string, over: Record<string, string | undefined> = {}) {
  return tokenRequest({
    client_id: env.JUPYTERHUB_CLIENT_ID,
    client_secret: env.JUPYTERHUB_API_TOKEN,
    grant_type: 'authorization_code',
    code,
    redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
    ...over,
  });
}

/** Every OAuth error answer: JSON {error, error_description}, no-store headers, status by kind. */
function assertOAuthError(r: { res: Response; body: Record<string, unknown> }, error: string, status = 400): void {
  assert.equal(r.res.status, status, `expected ${status} ${error}, got ${r.res.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error, error);
  assert.equal(typeof r.body.error_description, 'string');
  assert.ok((r.body.error_description as string).length > 0);
  assert.match(r.res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.res.headers.get('cache-control'), 'no-store');
  assert.equal(r.res.headers.get('pragma'), 'no-cache');
  assert.equal('access_token' in r.body, false);
}

async function whoami(token: string): Promise<Response> {
  return hubFetch(`${env.JUPYTERHUB_API_URL}/user`, { token });
}

describe('the server environment matches what singleuser expects', () => {
  test('client id, callback and API URL', () => {
    assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice');
    assert.equal(env.JUPYTERHUB_OAUTH_CALLBACK_URL, '/user/alice/oauth_callback');
    assert.match(env.JUPYTERHUB_API_URL, /^http:\/\/127\.0\.0\.1:\d+\/hub\/api$/);
    assert.ok(JSON.parse(env.JUPYTERHUB_OAUTH_ACCESS_SCOPES).includes('access:servers!server=alice/'));
  });
});

describe('authorization code flow', () => {
  test('PKCE S256: authorize → code → token → /hub/api/user', async () => {
    const { verifier, challenge } = pkcePair();
    const r = await authorize(alice, authorizeQuery({}, challenge));
    assert.equal(r.status, 302);
    const loc = location(r);
    assert.ok(loc.raw.startsWith('/user/alice/oauth_callback?'), `a relative redirect_uri stays relative: ${loc.raw}`);
    assert.equal(loc.query.get('state'), 'state-123');
    const code = loc.query.get('code')!;
    assert.match(code, /^[A-Za-z0-9]{30}$/);

    const tok = await exchange(code, { code_verifier: verifier });
    assert.equal(tok.res.status, 200, JSON.stringify(tok.body));
    assert.match(tok.res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(tok.res.headers.get('cache-control'), 'no-store');
    assert.equal(tok.res.headers.get('pragma'), 'no-cache');
    assert.equal(typeof tok.body.access_token, 'string');
    assert.ok((tok.body.access_token as string).length >= 30);
    assert.equal(tok.body.token_type, 'Bearer');
    assert.equal(tok.body.expires_in, 14 * 86400);
    assert.equal('refresh_token' in tok.body, false);
    const granted = String(tok.body.scope).split(' ');
    assert.ok(granted.includes('access:servers!server=alice/'), `scope: ${tok.body.scope}`);

    const me = await whoami(tok.body.access_token as string);
    assert.equal(me.status, 200);
    const model = await me.json();
    assert.equal(model.kind, 'user');
    assert.equal(model.name, 'alice');
    assert.ok(Array.isArray(model.scopes));
    assert.ok(model.scopes.includes('access:servers!server=alice/'), `scopes: ${model.scopes}`);
    // §3.5: the identify scopes are always part of an OAuth token's effective scopes.
    assert.ok(model.scopes.includes('read:users:name!user=alice'), `scopes: ${model.scopes}`);
    assert.ok(model.scopes.includes('read:users:groups!user=alice'), `scopes: ${model.scopes}`);
    // …and nothing beyond what was granted (no admin, no other users' servers).
    assert.ok(!model.scopes.some((s: string) => s === 'access:servers' || s.startsWith('admin') || /!user=(?!alice$)/.test(s)), `scopes: ${model.scopes}`);
    // The token is tied to the browser's hub session (logout revokes it).
    assert.equal(model.session_id, alice.jar.get('jupyterhub-session-id'));
  });

  test('PKCE plain, and plain is the default method when only a challenge is sent', async () => {
    const verifier = 'p'.repeat(20) + 'L'.repeat(30);
    for (const method of ['plain', undefined]) {
      const code = await getCode(alice, { code_challenge: verifier, code_challenge_method: method });
      const tok = await exchange(code, { code_verifier: verifier });
      assert.equal(tok.res.status, 200, `method ${method}: ${JSON.stringify(tok.body)}`);
      assert.equal((await whoami(tok.body.access_token as string)).status, 200);
    }
  });

  test('without PKCE (5.x singleuser): any code_verifier is ignored', async () => {
    const tok = await exchange(await getCode());
    assert.equal(tok.res.status, 200);
    const tok2 = await exchange(await getCode(), { code_verifier: 'x'.repeat(43) });
    assert.equal(tok2.res.status, 200);
  });

  test('scope: the legacy "identify" and the identify scopes are accepted; the token never exceeds them', async () => {
    for (const scope of ['identify', 'read:users:name!user', 'access:servers!server=alice/ read:users:groups!user']) {
      const code = await getCode(alice, { scope });
      const tok = await exchange(code);
      assert.equal(tok.res.status, 200, `${scope}: ${JSON.stringify(tok.body)}`);
      const granted = String(tok.body.scope).split(' ').filter(Boolean);
      assert.ok(granted.every((s) => /^(access:servers!server=alice\/|read:users:(name|groups)!user(=alice)?)$/.test(s)), `${scope} → ${tok.body.scope}`);
    }
  });

  test('missing redirect_uri: the registered one is used, at authorize and at token', async () => {
    const code = await getCode(alice, { redirect_uri: undefined });
    const tok = await exchange(code, { redirect_uri: undefined });
    assert.equal(tok.res.status, 200, JSON.stringify(tok.body));
  });

  test('not logged in → 302 to /hub/login?next=<the authorize URL>, and login comes back to it', async () => {
    const anon = new CookieClient(t.url);
    const query = authorizeQuery();
    const r = await authorize(anon, query);
    assert.equal(r.status, 302);
    const loc = location(r);
    assert.equal(loc.path, '/hub/login');
    assert.equal(loc.query.get('next'), `/hub/api/oauth2/authorize?${query}`);
    const login = await anon.login('alice', 'pw', loc.query.get('next')!);
    assert.equal(login.status, 302);
    assert.equal(login.headers.get('location'), `/hub/api/oauth2/authorize?${query}`);
    const again = await anon.fetch(login.headers.get('location')!);
    assert.equal(again.status, 302);
    assert.ok(location(again).query.get('code'));
  });
});

describe('authorize: fatal errors are a 400 page, never a redirect', () => {
  const cases: Array<[string, () => string]> = [
    ['missing client_id', () => authorizeQuery({ client_id: undefined })],
    ['unknown client_id', () => authorizeQuery({ client_id: 'jupyterhub-user-nobody' })],
    ['redirect_uri mismatch', () => authorizeQuery({ redirect_uri: 'https://evil.example/user/alice/oauth_callback' })],
    ['redirect_uri of another path', () => authorizeQuery({ redirect_uri: '/user/alice/oauth_callback/../../evil' })],
    ['duplicate client_id', () => `${authorizeQuery()}&client_id=${env.JUPYTERHUB_CLIENT_ID}`],
    ['duplicate redirect_uri', () => `${authorizeQuery()}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`],
    ['duplicate state', () => `${authorizeQuery()}&state=other`],
  ];
  for (const [name, query] of cases) {
    test(name, async () => {
      const r = await authorize(alice, query());
      const body = await assertHtmlPage(r, 400, name);
      assert.doesNotMatch(body, /code=/);
    });
  }
});

describe('authorize: reflected values', () => {
  test('an unknown client_id or bad redirect_uri is escaped on the error page', async () => {
    for (const over of [{ client_id: '<script>alert(1)</script>' }, { redirect_uri: '"><img src=x onerror=alert(1)>' }]) {
      const html = await assertHtmlPage(await authorize(alice, authorizeQuery(over)), 400, JSON.stringify(over));
      assert.doesNotMatch(html, /<script>alert|<img src=x/);
    }
  });

  test('state is passed back encoded, never splitting the Location header', async () => {
    const state = 'a b&c=d\u00e9/?#x';
    const r = await authorize(alice, authorizeQuery({ state }));
    assert.equal(r.status, 302);
    assert.equal(location(r).query.get('state'), state);
    assert.equal(location(r).query.get('c'), null);
  });
});

describe('authorize: recoverable errors redirect to redirect_uri with error= and state', () => {
  const cases: Array<[string, Record<string, string | undefined>, string]> = [
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['missing response_type', { response_type: undefined }, 'invalid_request'],
    ['code_challenge_method S512', { code_challenge: 'a'.repeat(43), code_challenge_method: 'S512' }, 'invalid_request'],
    ['unknown scope', { scope: 'no-such-scope' }, 'invalid_scope'],
    ['scope beyond the client (admin:users)', { scope: 'admin:users' }, 'invalid_scope'],
  ];
  for (const [name, over, error] of cases) {
    test(name, async () => {
      const r = await authorize(alice, authorizeQuery(over));
      assert.equal(r.status, 302, `${name}: ${r.status} ${(await r.text()).slice(0, 200)}`);
      const loc = location(r);
      assert.equal(loc.path, env.JUPYTERHUB_OAUTH_CALLBACK_URL);
      assert.equal(loc.query.get('error'), error);
      assert.ok(loc.query.get('error_description'));
      assert.equal(loc.query.get('state'), 'state-123');
      assert.equal(loc.query.get('code'), null);
    });
  }
});

describe('authorize: who may use the server', () => {
  test("another user gets 403 for alice's server", async () => {
    const bob = await loggedIn(t, 'bob');
    const r = await authorize(bob, authorizeQuery());
    const body = await assertHtmlPage(r, 403, 'bob → alice');
    assert.match(body, /permission/i);
  });

  test('an admin (access to every server) must confirm first: consent page, then POST with _xsrf', async () => {
    const admin = await loggedIn(t, 'admin');
    const query = authorizeQuery();
    const page = await authorize(admin, query);
    const html = await assertHtmlPage(page, 200, 'consent');
    assert.match(html, /Server at \/user\/alice\//, 'the consent page names the server');
    assert.match(html, /<form[^>]*method="post"/i);
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(xsrf, 'consent form carries _xsrf');
    const noXsrf = await admin.fetch(`/hub/api/oauth2/authorize?${query}`, { method: 'POST', body: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(noXsrf.status, 403, 'consent POST without _xsrf is refused');
    assert.equal(noXsrf.headers.get('location'), null);
    const ok = await admin.fetch(`/hub/api/oauth2/authorize?${query}`, { method: 'POST', body: new URLSearchParams({ _xsrf: xsrf }), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(ok.status, 302);
    const code = location(ok).query.get('code');
    assert.ok(code);
    const tok = await exchange(code);
    assert.equal(tok.res.status, 200);
    const me = await (await whoami(tok.body.access_token as string)).json();
    assert.equal(me.name, 'admin');
    assert.ok(me.scopes.includes('access:servers!server=alice/'), `admin's token for alice's server: ${me.scopes}`);
  });
});

describe('token endpoint errors', () => {
  test('wrong grant_type → unsupported_grant_type (checked before the client)', async () => {
    const code = await getCode();
    assertOAuthError(await exchange(code, { grant_type: 'client_credentials' }), 'unsupported_grant_type');
    assertOAuthError(await exchange(code, { grant_type: 'refresh_token', client_secret: 'wrong' }), 'unsupported_grant_type');
    assertOAuthError(await exchange(code, { grant_type: undefined }), 'unsupported_grant_type');
  });

  test('missing code → invalid_request', async () => {
    assertOAuthError(await exchange('', { code: undefined }), 'invalid_request');
  });

  test('bad client credentials → 401 invalid_client with WWW-Authenticate', async () => {
    const code = await getCode();
    for (const over of [{ client_secret: 'wrong-secret-0123456789' }, { client_secret: undefined }, { client_id: 'jupyterhub-user-nobody' }, { client_id: undefined }]) {
      const r = await exchange(code, over);
      assertOAuthError(r, 'invalid_client', 401);
      assert.ok(r.res.headers.get('www-authenticate'), `WWW-Authenticate for ${JSON.stringify(over)}`);
    }
    // The code survived the failed attempts.
    assert.equal((await exchange(code)).res.status, 200);
  });

  test('unknown code → invalid_grant', async () => {
    assertOAuthError(await exchange('A'.repeat(30)), 'invalid_grant');
  });

  test('expired code → invalid_grant', async () => {
    const store = t.hub.ctx.store;
    const user = (await store.users.byName('alice'))!;
    await store.oauth.createCode('ExpiredCode0123456789012345678', {
      clientId: env.JUPYTERHUB_CLIENT_ID,
      userId: user.id,
      scopes: ['access:servers!server=alice/'],
      redirectUri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
      sessionId: null,
      codeChallenge: null,
      codeChallengeMethod: null,
      expiresAt: new Date(Date.now() - 1000),
    });
    assertOAuthError(await exchange('ExpiredCode0123456789012345678'), 'invalid_grant');
  });

  test("another client's code → invalid_grant", async () => {
    await t.hub.ctx.store.oauth.upsertClient({ id: 'service-other', secret: 'other-client-secret-0123456789', redirectUri: '/services/other/oauth_callback', description: 'other', allowedScopes: [], serverId: null });
    const code = await getCode();
    const r = await exchange(code, { client_id: 'service-other', client_secret: 'other-client-secret-0123456789', redirect_uri: '/services/other/oauth_callback' });
    assertOAuthError(r, 'invalid_grant');
    // Still usable by its own client.
    assert.equal((await exchange(code)).res.status, 200);
  });

  test('a code is single use', async () => {
    const code = await getCode();
    const first = await exchange(code);
    assert.equal(first.res.status, 200);
    assertOAuthError(await exchange(code), 'invalid_grant');
  });

  test('PKCE: missing verifier → invalid_request; wrong verifier → invalid_grant', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await getCode(alice, {}, challenge);
    assertOAuthError(await exchange(code), 'invalid_request');
    assertOAuthError(await exchange(code, { code_verifier: pkcePair().verifier }), 'invalid_grant');
    assertOAuthError(await exchange(code, { code_verifier: challenge }), 'invalid_grant');
    const ok = await exchange(code, { code_verifier: verifier });
    assert.equal(ok.res.status, 200, 'the right verifier still works after failed attempts');
  });

  test('redirect_uri different from the one of the code → invalid_request', async () => {
    const code = await getCode();
    assertOAuthError(await exchange(code, { redirect_uri: '/user/alice/other_callback' }), 'invalid_request');
    assertOAuthError(await exchange(code, { redirect_uri: 'http://127.0.0.1/user/alice/oauth_callback' }), 'invalid_request');
  });

  test('duplicate parameters → invalid_request', async () => {
    const code = await getCode();
    const base = new URLSearchParams({ client_id: env.JUPYTERHUB_CLIENT_ID, client_secret: env.JUPYTERHUB_API_TOKEN, grant_type: 'authorization_code', code, redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL }).toString();
    for (const extra of [`client_id=${env.JUPYTERHUB_CLIENT_ID}`, 'grant_type=authorization_code', `redirect_uri=${encodeURIComponent(env.JUPYTERHUB_OAUTH_CALLBACK_URL)}`]) {
      assertOAuthError(await tokenRequest(`${base}&${extra}`), 'invalid_request');
    }
  });

  test('a GET to the token endpoint does not issue tokens', async () => {
    const code = await getCode();
    const r = await hubFetch(`${env.JUPYTERHUB_API_URL}/oauth2/token?${new URLSearchParams({ client_id: env.JUPYTERHUB_CLIENT_ID, client_secret: env.JUPYTERHUB_API_TOKEN, grant_type: 'authorization_code', code })}`);
    assert.ok(r.status >= 400 && r.status < 500, `GET token: ${r.status}`);
    assert.equal((await exchange(code)).res.status, 200);
  });
});

describe('/hub/api/user and tokens', () => {
  test('an invalid token → 403 JSON (not 401)', async () => {
    for (const tok of ['not-a-token-at-all-0123456789', 'abc', env.JUPYTERHUB_API_TOKEN.slice(0, -1) + 'x']) {
      const r = await whoami(tok);
      assert.equal(r.status, 403, `token ${tok.slice(0, 6)}…`);
      const body = await r.json();
      assert.equal(body.status, 403);
      assert.equal(typeof body.message, 'string');
    }
    const anon = await hubFetch(`${env.JUPYTERHUB_API_URL}/user`);
    assert.equal(anon.status, 403);
  });

  test('the server token identifies as alice with access to her server', async () => {
    const r = await whoami(env.JUPYTERHUB_API_TOKEN);
    assert.equal(r.status, 200);
    const m = await r.json();
    assert.equal(m.kind, 'user');
    assert.equal(m.name, 'alice');
  });

  test('an expired access token → 403', async () => {
    const store = t.hub.ctx.store;
    const user = (await store.users.byName('alice'))!;
    const mk = async (expiresInSeconds: number) => (await store.tokens.create({ userId: user.id, clientId: env.JUPYTERHUB_CLIENT_ID, scopes: ['access:servers!server=alice/'], expiresInSeconds })).token;
    assert.equal((await whoami(await mk(600))).status, 200);
    assert.equal((await whoami(await mk(-60))).status, 403);
  });
});

describe('JupyterHub.oauth_require_pkce', () => {
  test('authorize without a challenge is refused with error=invalid_request; with S256 it works', async () => {
    const h = await startTestHub({ config: { JupyterHub: { oauth_require_pkce: true } } });
    try {
      const c = await loggedIn(h, 'carol');
      await spawnAndWait(h, c, 'carol');
      const e = await serverEnv(h, 'carol');
      const q = (extra: Record<string, string>) => new URLSearchParams({ client_id: e.JUPYTERHUB_CLIENT_ID, redirect_uri: e.JUPYTERHUB_OAUTH_CALLBACK_URL, response_type: 'code', state: 's1', ...extra }).toString();
      const refused = await c.fetch(`/hub/api/oauth2/authorize?${q({})}`);
      assert.equal(refused.status, 302);
      assert.equal(location(refused).query.get('error'), 'invalid_request');
      assert.equal(location(refused).query.get('state'), 's1');
      assert.equal(location(refused).query.get('code'), null);

      const { verifier, challenge } = pkcePair();
      const ok = await c.fetch(`/hub/api/oauth2/authorize?${q({ code_challenge: challenge, code_challenge_method: 'S256' })}`);
      assert.equal(ok.status, 302);
      const code = location(ok).query.get('code')!;
      const post = (body: Record<string, string>) =>
        hubFetch(`${e.JUPYTERHUB_API_URL}/oauth2/token`, { method: 'POST', body: new URLSearchParams(body), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      const base = { client_id: e.JUPYTERHUB_CLIENT_ID, client_secret: e.JUPYTERHUB_API_TOKEN, grant_type: 'authorization_code', code, redirect_uri: e.JUPYTERHUB_OAUTH_CALLBACK_URL };
      const missing = await post(base);
      assert.equal(missing.status, 400);
      assert.equal((await missing.json()).error, 'invalid_request');
      const good = await post({ ...base, code_verifier: verifier });
      assert.equal(good.status, 200);

      // A code stored without a challenge (e.g. issued before the setting was turned on) is refused.
      const user = (await h.hub.ctx.store.users.byName('carol'))!;
      await h.hub.ctx.store.oauth.createCode('NoChallengeCode012345678901234', { clientId: e.JUPYTERHUB_CLIENT_ID, userId: user.id, scopes: [], redirectUri: e.JUPYTERHUB_OAUTH_CALLBACK_URL, sessionId: null, codeChallenge: null, codeChallengeMethod: null, expiresAt: new Date(Date.now() + 60_000) });
      const legacy = await post({ ...base, code: 'NoChallengeCode012345678901234' });
      assert.equal(legacy.status, 400);
      assert.equal((await legacy.json()).error, 'invalid_request');
    } finally {
      await h.stop();
    }
  });
});

describe('a named server', () => {
  test('has its own client (jupyterhub-user-alice-gpu) and its tokens grant only that server', async () => {
    const token = await t.token('alice');
    const start = await hubFetch(`${t.api}/users/alice/servers/gpu`, { method: 'POST', token });
    assert.ok(start.status === 201 || start.status === 202, `start gpu: ${start.status}`);
    for (let i = 0; i < 200; i++) {
      const m = await (await hubFetch(`${t.api}/users/alice`, { token })).json();
      if (m.servers?.gpu?.ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await fetch(`${t.url}/user/alice/gpu/api/echo`);
    assert.equal(r.status, 200);
    const genv = (await r.json()).env as Record<string, string>;
    assert.equal(genv.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice-gpu');
    assert.equal(genv.JUPYTERHUB_OAUTH_CALLBACK_URL, '/user/alice/gpu/oauth_callback');
    const q = new URLSearchParams({ client_id: genv.JUPYTERHUB_CLIENT_ID, redirect_uri: genv.JUPYTERHUB_OAUTH_CALLBACK_URL, response_type: 'code', state: 'g' });
    const a = await authorize(alice, q.toString());
    assert.equal(a.status, 302);
    const code = location(a).query.get('code')!;
    // alice's default-server client cannot redeem the gpu server's code.
    assertOAuthError(await exchange(code, { redirect_uri: genv.JUPYTERHUB_OAUTH_CALLBACK_URL }), 'invalid_grant');
    const tok = await hubFetch(`${genv.JUPYTERHUB_API_URL}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: genv.JUPYTERHUB_CLIENT_ID, client_secret: genv.JUPYTERHUB_API_TOKEN, grant_type: 'authorization_code', code, redirect_uri: genv.JUPYTERHUB_OAUTH_CALLBACK_URL }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(tok.status, 200);
    const me = await (await whoami((await tok.json()).access_token)).json();
    assert.ok(me.scopes.includes('access:servers!server=alice/gpu'), `scopes: ${me.scopes}`);
    assert.ok(!me.scopes.includes('access:servers!server=alice/'), 'not the default server');
    // A client secret is per server: the default server's token is not the gpu client's secret.
    const wrong = await hubFetch(`${genv.JUPYTERHUB_API_URL}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: genv.JUPYTERHUB_CLIENT_ID, client_secret: env.JUPYTERHUB_API_TOKEN, grant_type: 'authorization_code', code: 'X'.repeat(30) }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(wrong.status, 401);
  });
});

describe('stopping the server', () => {
  test('deletes its OAuth client and the tokens it issued', async () => {
    const tok = await exchange(await getCode());
    const access = tok.body.access_token as string;
    assert.equal((await whoami(access)).status, 200);
    const admin = await t.token('admin', { admin: true });
    const stop = await hubFetch(`${t.api}/users/alice/server`, { method: 'DELETE', token: admin });
    assert.equal(stop.status, 204);
    assert.equal((await whoami(access)).status, 403, 'OAuth token of a stopped server is revoked');
    assert.equal((await whoami(env.JUPYTERHUB_API_TOKEN)).status, 403, 'server API token is revoked');
    const r = await authorize(alice, authorizeQuery());
    await assertHtmlPage(r, 400, 'authorize for a stopped server');
  });
});
