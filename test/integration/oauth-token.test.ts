/**
 * The OAuth token endpoint (hub-protocol.md §3.4) and what its tokens can do: every error case
 * in oauthlib's check order, single use, PKCE, redirect_uri; /hub/api/user with OAuth and
 * invalid/expired tokens (403, never 401); named servers; stopping a server revokes its tokens.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hubFetch } from '../helpers/test-hub.js';
import { assertHtmlPage, location, pkcePair } from './support.js';
import {
  alice,
  assertOAuthError,
  authorize,
  authorizeQuery,
  env,
  exchange,
  getCode,
  t,
  tokenRequest,
  useOAuthHub,
  whoami,
} from './oauth-support.js';

useOAuthHub();

describe('token endpoint errors', () => {
  test('wrong grant_type → unsupported_grant_type (checked before the client)', async () => {
    const code = await getCode();
    assertOAuthError(
      await exchange(code, { grant_type: 'client_credentials' }),
      'unsupported_grant_type',
    );
    assertOAuthError(
      await exchange(code, { grant_type: 'refresh_token', client_secret: 'wrong' }),
      'unsupported_grant_type',
    );
    assertOAuthError(await exchange(code, { grant_type: undefined }), 'unsupported_grant_type');
  });

  test('missing code → invalid_request', async () => {
    assertOAuthError(await exchange('', { code: undefined }), 'invalid_request');
  });

  test('bad client credentials → 401 invalid_client with WWW-Authenticate', async () => {
    const code = await getCode();
    for (const over of [
      { client_secret: 'wrong-secret-0123456789' },
      { client_secret: undefined },
      { client_id: 'jupyterhub-user-nobody' },
      { client_id: undefined },
    ]) {
      const r = await exchange(code, over);
      assertOAuthError(r, 'invalid_client', 401);
      assert.ok(
        r.res.headers.get('www-authenticate'),
        `WWW-Authenticate for ${JSON.stringify(over)}`,
      );
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
    await t.hub.ctx.store.oauth.upsertClient({
      id: 'service-other',
      secret: 'other-client-secret-0123456789',
      redirectUri: '/services/other/oauth_callback',
      description: 'other',
      allowedScopes: [],
      serverId: null,
    });
    const code = await getCode();
    const r = await exchange(code, {
      client_id: 'service-other',
      client_secret: 'other-client-secret-0123456789',
      redirect_uri: '/services/other/oauth_callback',
    });
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
    assertOAuthError(
      await exchange(code, { redirect_uri: '/user/alice/other_callback' }),
      'invalid_request',
    );
    assertOAuthError(
      await exchange(code, { redirect_uri: 'http://127.0.0.1/user/alice/oauth_callback' }),
      'invalid_request',
    );
  });

  test('duplicate parameters → invalid_request', async () => {
    const code = await getCode();
    const base = new URLSearchParams({
      client_id: env.JUPYTERHUB_CLIENT_ID,
      client_secret: env.JUPYTERHUB_API_TOKEN,
      grant_type: 'authorization_code',
      code,
      redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
    }).toString();
    for (const extra of [
      `client_id=${env.JUPYTERHUB_CLIENT_ID}`,
      'grant_type=authorization_code',
      `redirect_uri=${encodeURIComponent(env.JUPYTERHUB_OAUTH_CALLBACK_URL)}`,
    ]) {
      assertOAuthError(await tokenRequest(`${base}&${extra}`), 'invalid_request');
    }
  });

  test('a GET to the token endpoint does not issue tokens', async () => {
    const code = await getCode();
    const r = await hubFetch(
      `${env.JUPYTERHUB_API_URL}/oauth2/token?${new URLSearchParams({ client_id: env.JUPYTERHUB_CLIENT_ID, client_secret: env.JUPYTERHUB_API_TOKEN, grant_type: 'authorization_code', code })}`,
    );
    assert.ok(r.status >= 400 && r.status < 500, `GET token: ${r.status}`);
    assert.equal((await exchange(code)).res.status, 200);
  });
});

describe('/hub/api/user and tokens', () => {
  test('an invalid token → 403 JSON (not 401)', async () => {
    for (const tok of [
      'not-a-token-at-all-0123456789',
      'abc',
      env.JUPYTERHUB_API_TOKEN.slice(0, -1) + 'x',
    ]) {
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
    const mk = async (expiresInSeconds: number) =>
      (
        await store.tokens.create({
          userId: user.id,
          clientId: env.JUPYTERHUB_CLIENT_ID,
          scopes: ['access:servers!server=alice/'],
          expiresInSeconds,
        })
      ).token;
    assert.equal((await whoami(await mk(600))).status, 200);
    assert.equal((await whoami(await mk(-60))).status, 403);
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
    const q = new URLSearchParams({
      client_id: genv.JUPYTERHUB_CLIENT_ID,
      redirect_uri: genv.JUPYTERHUB_OAUTH_CALLBACK_URL,
      response_type: 'code',
      state: 'g',
    });
    const a = await authorize(alice, q.toString());
    assert.equal(a.status, 302);
    const code = location(a).query.get('code')!;
    // alice's default-server client cannot redeem the gpu server's code.
    assertOAuthError(
      await exchange(code, { redirect_uri: genv.JUPYTERHUB_OAUTH_CALLBACK_URL }),
      'invalid_grant',
    );
    const tok = await hubFetch(`${genv.JUPYTERHUB_API_URL}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: genv.JUPYTERHUB_CLIENT_ID,
        client_secret: genv.JUPYTERHUB_API_TOKEN,
        grant_type: 'authorization_code',
        code,
        redirect_uri: genv.JUPYTERHUB_OAUTH_CALLBACK_URL,
      }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(tok.status, 200);
    const me = await (await whoami((await tok.json()).access_token)).json();
    assert.ok(me.scopes.includes('access:servers!server=alice/gpu'), `scopes: ${me.scopes}`);
    assert.ok(!me.scopes.includes('access:servers!server=alice/'), 'not the default server');
    // A client secret is per server: the default server's token is not the gpu client's secret.
    const wrong = await hubFetch(`${genv.JUPYTERHUB_API_URL}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: genv.JUPYTERHUB_CLIENT_ID,
        client_secret: env.JUPYTERHUB_API_TOKEN,
        grant_type: 'authorization_code',
        code: 'X'.repeat(30),
      }),
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
    assert.equal(
      (await whoami(env.JUPYTERHUB_API_TOKEN)).status,
      403,
      'server API token is revoked',
    );
    const r = await authorize(alice, authorizeQuery());
    await assertHtmlPage(r, 400, 'authorize for a stopped server');
  });
});
