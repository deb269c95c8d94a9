/**
 * The OAuth 2 provider over real sockets (hub-protocol.md §3), driven the way
 * jupyterhub-singleuser drives it: the browser goes through the proxy to
 * /hub/api/oauth2/authorize, the server posts the code to JUPYTERHUB_API_URL/oauth2/token with its
 * JUPYTERHUB_API_TOKEN as client secret, then identifies the access token at /hub/api/user.
 * This file: the authorization flow (PKCE S256/plain/none) and every authorize error (§3.2, §3.3).
 * Token endpoint errors: oauth-token.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieClient } from '../helpers/cookie-client.js';
import { hubFetch, startTestHub } from '../helpers/test-hub.js';
import {
  assertHtmlPage,
  location,
  loggedIn,
  pkcePair,
  serverEnv,
  spawnAndWait,
} from './support.js';
import {
  alice,
  authorize,
  authorizeQuery,
  env,
  exchange,
  getCode,
  t,
  useOAuthHub,
  whoami,
} from './oauth-support.js';

useOAuthHub();

describe('the server environment matches what singleuser expects', () => {
  test('client id, callback and API URL', () => {
    assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice');
    assert.equal(env.JUPYTERHUB_OAUTH_CALLBACK_URL, '/user/alice/oauth_callback');
    assert.match(env.JUPYTERHUB_API_URL, /^http:\/\/127\.0\.0\.1:\d+\/hub\/api$/);
    assert.ok(
      JSON.parse(env.JUPYTERHUB_OAUTH_ACCESS_SCOPES).includes('access:servers!server=alice/'),
    );
  });
});

describe('authorization code flow', () => {
  test('PKCE S256: authorize → code → token → /hub/api/user', async () => {
    const { verifier, challenge } = pkcePair();
    const r = await authorize(alice, authorizeQuery({}, challenge));
    assert.equal(r.status, 302);
    const loc = location(r);
    assert.ok(
      loc.raw.startsWith('/user/alice/oauth_callback?'),
      `a relative redirect_uri stays relative: ${loc.raw}`,
    );
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
    assert.ok(
      !model.scopes.some(
        (s: string) =>
          s === 'access:servers' || s.startsWith('admin') || /!user=(?!alice$)/.test(s),
      ),
      `scopes: ${model.scopes}`,
    );
    // The token is tied to the browser's hub session (logout revokes it).
    assert.equal(model.session_id, alice.jar.get('jupyterhub-session-id'));
  });

  test('PKCE plain, and plain is the default method when only a challenge is sent', async () => {
    const verifier = 'p'.repeat(20) + 'L'.repeat(30);
    for (const method of ['plain', undefined]) {
      const code = await getCode(alice, {
        code_challenge: verifier,
        code_challenge_method: method,
      });
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
    for (const scope of [
      'identify',
      'read:users:name!user',
      'access:servers!server=alice/ read:users:groups!user',
    ]) {
      const code = await getCode(alice, { scope });
      const tok = await exchange(code);
      assert.equal(tok.res.status, 200, `${scope}: ${JSON.stringify(tok.body)}`);
      const granted = String(tok.body.scope).split(' ').filter(Boolean);
      assert.ok(
        granted.every((s) =>
          /^(access:servers!server=alice\/|read:users:(name|groups)!user(=alice)?)$/.test(s),
        ),
        `${scope} → ${tok.body.scope}`,
      );
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
    [
      'redirect_uri mismatch',
      () => authorizeQuery({ redirect_uri: 'https://evil.example/user/alice/oauth_callback' }),
    ],
    [
      'redirect_uri of another path',
      () => authorizeQuery({ redirect_uri: '/user/alice/oauth_callback/../../evil' }),
    ],
    ['duplicate client_id', () => `${authorizeQuery()}&client_id=${env.JUPYTERHUB_CLIENT_ID}`],
    [
      'duplicate redirect_uri',
      () => `${authorizeQuery()}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
    ],
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
    for (const over of [
      { client_id: '<script>alert(1)</script>' },
      { redirect_uri: '"><img src=x onerror=alert(1)>' },
    ]) {
      const html = await assertHtmlPage(
        await authorize(alice, authorizeQuery(over)),
        400,
        JSON.stringify(over),
      );
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
    [
      'code_challenge_method S512',
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'S512' },
      'invalid_request',
    ],
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
    const noXsrf = await admin.fetch(`/hub/api/oauth2/authorize?${query}`, {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(noXsrf.status, 403, 'consent POST without _xsrf is refused');
    assert.equal(noXsrf.headers.get('location'), null);
    const shown = [...html.matchAll(/name="scopes" value="([^"]+)"/g)].map((m) =>
      m[1].replace(/&amp;/g, '&'),
    );
    assert.ok(
      shown.includes('access:servers!server=alice/'),
      `the form lists the scopes: ${shown}`,
    );
    const post = async (extra: string[][]) => {
      const body = new URLSearchParams([['_xsrf', xsrf], ...extra]);
      const r = await admin.fetch(`/hub/api/oauth2/authorize?${query}`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(r.status, 302);
      const code = location(r).query.get('code');
      assert.ok(code);
      const tok = await exchange(code);
      assert.equal(tok.res.status, 200);
      return tok.body;
    };
    // As the browser submits the form: every shown scope.
    const all = await post(shown.map((s) => ['scopes', s]));
    assert.deepEqual(String(all.scope).split(' ').sort(), [...shown].sort());
    const me = await (await whoami(all.access_token as string)).json();
    assert.equal(me.name, 'admin');
    assert.ok(
      me.scopes.includes('access:servers!server=alice/'),
      `admin's token for alice's server: ${me.scopes}`,
    );
    // No scopes posted: identify only; posted scopes never widen what was shown.
    const none = await post([]);
    assert.ok(
      String(none.scope)
        .split(' ')
        .filter(Boolean)
        .every(
          (s) => s.startsWith('read:users:name!user') || s.startsWith('read:users:groups!user'),
        ),
      `no scopes → identify only: ${none.scope}`,
    );
    const extra = await post([
      ['scopes', 'admin:users'],
      ['scopes', 'access:servers'],
    ]);
    assert.equal(String(extra.scope), '', `scopes not shown are not granted: ${extra.scope}`);
  });
});

describe('JupyterHub.oauth_require_pkce', () => {
  test('authorize without a challenge is refused with error=invalid_request; with S256 it works', async () => {
    const h = await startTestHub({ config: { JupyterHub: { oauth_require_pkce: true } } });
    try {
      const c = await loggedIn(h, 'carol');
      await spawnAndWait(h, c, 'carol');
      const e = await serverEnv(h, 'carol');
      const q = (extra: Record<string, string>) =>
        new URLSearchParams({
          client_id: e.JUPYTERHUB_CLIENT_ID,
          redirect_uri: e.JUPYTERHUB_OAUTH_CALLBACK_URL,
          response_type: 'code',
          state: 's1',
          ...extra,
        }).toString();
      const refused = await c.fetch(`/hub/api/oauth2/authorize?${q({})}`);
      assert.equal(refused.status, 302);
      assert.equal(location(refused).query.get('error'), 'invalid_request');
      assert.equal(location(refused).query.get('state'), 's1');
      assert.equal(location(refused).query.get('code'), null);

      const { verifier, challenge } = pkcePair();
      const ok = await c.fetch(
        `/hub/api/oauth2/authorize?${q({ code_challenge: challenge, code_challenge_method: 'S256' })}`,
      );
      assert.equal(ok.status, 302);
      const code = location(ok).query.get('code')!;
      const post = (body: Record<string, string>) =>
        hubFetch(`${e.JUPYTERHUB_API_URL}/oauth2/token`, {
          method: 'POST',
          body: new URLSearchParams(body),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
      const base = {
        client_id: e.JUPYTERHUB_CLIENT_ID,
        client_secret: e.JUPYTERHUB_API_TOKEN,
        grant_type: 'authorization_code',
        code,
        redirect_uri: e.JUPYTERHUB_OAUTH_CALLBACK_URL,
      };
      const missing = await post(base);
      assert.equal(missing.status, 400);
      assert.equal((await missing.json()).error, 'invalid_request');
      const good = await post({ ...base, code_verifier: verifier });
      assert.equal(good.status, 200);

      // A code stored without a challenge (e.g. issued before the setting was turned on) is refused.
      const user = (await h.hub.ctx.store.users.byName('carol'))!;
      await h.hub.ctx.store.oauth.createCode('NoChallengeCode012345678901234', {
        clientId: e.JUPYTERHUB_CLIENT_ID,
        userId: user.id,
        scopes: [],
        redirectUri: e.JUPYTERHUB_OAUTH_CALLBACK_URL,
        sessionId: null,
        codeChallenge: null,
        codeChallengeMethod: null,
        expiresAt: new Date(Date.now() + 60_000),
      });
      const legacy = await post({ ...base, code: 'NoChallengeCode012345678901234' });
      assert.equal(legacy.status, 400);
      assert.equal((await legacy.json()).error, 'invalid_request');
    } finally {
      await h.stop();
    }
  });
});
