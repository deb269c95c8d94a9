/**
 * OAuth 2 / OpenID Connect login against a REAL OpenID provider (oidc-provider on loopback),
 * through a real labhub (proxy, pages, database): the fixture jupyterhub_config.py for
 * GenericOAuthenticator used unchanged, groups driving allowed_groups/admin_groups/manage_groups,
 * auth_state encrypted at rest, token refresh, RP-initiated logout, and `openid` (discovery).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CookieClient } from '../../helpers/cookie-client.js';
import { freePort } from '../../helpers/ports.js';
import { ROOT, startTestHub, type TestHub } from '../../helpers/test-hub.js';
import type { JsonObject } from '../../../src/util/json.js';
import { loginThroughProvider, startTestProvider, type TestProvider } from './test-provider.js';

const FIXTURE = join(ROOT, 'test/auth/fixtures/generic_oauth_config.py');

/** The browser's round trip: hub → provider (log in as `account`) → hub callback. */
const loginAt = (hub: TestHub, idp: TestProvider, account: string, next = '') =>
  loginThroughProvider(hub.url, idp, account, { next });

describe('GenericOAuthenticator (jupyterhub_config.py unchanged) against a real oidc-provider', () => {
  let idp: TestProvider;
  let hub: TestHub;
  const saved = { ...process.env };

  before(async () => {
    const port = await freePort();
    idp = await startTestProvider({
      redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`],
      postLogoutRedirectUris: [`http://127.0.0.1:${port}/hub/login`],
      users: {
        alice: { preferred_username: 'alice', email: 'alice@example.org', groups: ['researchers'] },
        bob: { preferred_username: 'Bob', groups: ['hub-admins'] },
        carol: { preferred_username: 'carol', groups: ['visitors'] },
      },
    });
    process.env.OAUTH2_AUTHORIZE_URL = `${idp.issuer}/auth`;
    process.env.OAUTH2_TOKEN_URL = `${idp.issuer}/token`;
    process.env.OAUTH2_USERDATA_URL = `${idp.issuer}/me`;
    process.env.JUPYTERHUB_CRYPT_KEY = randomBytes(32).toString('hex');
    hub = await startTestHub({ file: FIXTURE, config: { JupyterHub: { port } } });
  });
  after(async () => {
    await hub?.stop();
    await idp?.close();
    for (const k of [
      'OAUTH2_AUTHORIZE_URL',
      'OAUTH2_TOKEN_URL',
      'OAUTH2_USERDATA_URL',
      'JUPYTERHUB_CRYPT_KEY',
    ])
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  });

  test('the login page offers the provider; a member of allowed_groups logs in and lands on next', async () => {
    const page = await new CookieClient(hub.url).fetch('/hub/login?next=%2Fhub%2Ftoken');
    const html = await page.text();
    assert.match(html, /href="\/hub\/oauth_login\?next=%2Fhub%2Ftoken"/);
    assert.match(html, /Test IdP/);
    const { client, res } = await loginAt(hub, idp, 'alice', '/hub/token');
    assert.equal(res.status, 302, await res.text());
    assert.equal(res.headers.get('location'), '/hub/token');
    assert.equal((await client.fetch('/hub/home')).status, 200, 'the session cookie works');
    const alice = await hub.hub.ctx.store.users.byName('alice');
    assert.equal(alice?.admin, false);
    assert.deepEqual(await hub.hub.ctx.store.groups.groupNamesOfUser(alice!.id), ['researchers']);
  });

  test('auth_state keeps the tokens and user data, encrypted at rest with JUPYTERHUB_CRYPT_KEY', async () => {
    const user = await hub.hub.ctx.store.users.byName('alice');
    const st = user!.authState!;
    assert.equal(typeof st.access_token, 'string');
    assert.equal(typeof st.refresh_token, 'string');
    assert.equal((st.oauth_user as { email: string }).email, 'alice@example.org');
    const row = await hub.hub.ctx.store.db
      .selectFrom('users')
      .select('auth_state')
      .where('name', '=', 'alice')
      .executeTakeFirstOrThrow();
    assert.match(row.auth_state!, /^labhub:aes-256-gcm:/);
    assert.ok(!row.auth_state!.includes(st.access_token as string));
    assert.ok(!row.auth_state!.includes('alice@example.org'));
  });

  test('admin_groups: a member is an admin (and allowed); the user name is normalized', async () => {
    const { res } = await loginAt(hub, idp, 'bob');
    assert.equal(res.status, 302);
    const bob = await hub.hub.ctx.store.users.byName('bob');
    assert.equal(bob?.admin, true);
  });

  test('not in allowed_groups: refused with a page that says so', async () => {
    const { res } = await loginAt(hub, idp, 'carol');
    assert.equal(res.status, 403);
    const html = await res.text();
    assert.match(
      html,
      /You signed in at Test IdP as &quot;carol&quot;, but your account is not in a group allowed on this hub/,
    );
    assert.equal(await hub.hub.ctx.store.users.byName('carol'), null);
  });

  test('manage_groups and admin_groups follow the provider at the next login', async () => {
    idp.users.set('bob', { preferred_username: 'Bob', groups: ['researchers', 'gpu'] });
    const { res } = await loginAt(hub, idp, 'bob');
    assert.equal(res.status, 302);
    const bob = await hub.hub.ctx.store.users.byName('bob');
    assert.equal(bob?.admin, false, 'no longer in admin_groups: no longer admin');
    assert.deepEqual((await hub.hub.ctx.store.groups.groupNamesOfUser(bob!.id)).sort(), [
      'gpu',
      'researchers',
    ]);
  });

  test('a callback without the state cookie (another browser, replay) is refused', async () => {
    const { res } = await loginAt(hub, idp, 'alice');
    assert.equal(res.status, 302);
    const again = await new CookieClient(hub.url).fetch('/hub/oauth_callback?code=x&state=y');
    assert.equal(again.status, 403);
    assert.match(await again.text(), /took too long, or was started in another browser/);
  });

  test('token refresh: an expired access token is replaced using the refresh token', async () => {
    const store = hub.hub.ctx.store;
    const alice = (await store.users.byName('alice'))!;
    const old = alice.authState!;
    const auth = hub.hub.ctx.login.authenticator;
    const same = await auth.refreshUser!('alice', old as JsonObject, { age: 300 });
    assert.ok(same !== 'unchanged' && same !== 'expired', 'the user data is read again');
    assert.equal(same.authState!.access_token, old.access_token, 'a valid token is kept');
    assert.equal(same.authState!.expires_at, old.expires_at);
    const expired = { ...old, expires_at: Math.floor(Date.now() / 1000) - 10 };
    const r = await auth.refreshUser!('alice', expired as JsonObject);
    assert.ok(r !== 'unchanged' && r !== 'expired');
    assert.notEqual(r.authState!.access_token, old.access_token);
    assert.ok((r.authState!.expires_at as number) > Date.now() / 1000);
    const revoked = { ...expired, refresh_token: 'not-a-refresh-token' };
    assert.equal(await auth.refreshUser!('alice', revoked as JsonObject), 'expired');
  });

  test('refresh_pre_spawn: starting a server refreshes an expired token; a dead refresh token refuses the start', async () => {
    const store = hub.hub.ctx.store;
    const alice = (await store.users.byName('alice'))!;
    const state = alice.authState!;
    const past = Math.floor(Date.now() / 1000) - 10;
    await store.users.setAuthState(alice.id, {
      ...state,
      refresh_token: 'revoked',
      expires_at: past,
    });
    const token = await hub.token('alice');
    const headers = { Authorization: `token ${token}` };
    const refused = await fetch(`${hub.api}/users/alice/server`, { method: 'POST', headers });
    assert.equal(refused.status, 403);
    assert.match(
      ((await refused.json()) as { message: string }).message,
      /login at Test IdP has expired/,
    );
    await store.users.setAuthState(alice.id, { ...state, expires_at: past });
    const started = await fetch(`${hub.api}/users/alice/server`, { method: 'POST', headers });
    assert.ok([201, 202].includes(started.status), `${started.status} ${await started.text()}`);
    const after = (await store.users.byName('alice'))!.authState!;
    assert.notEqual(after.access_token, state.access_token);
    assert.ok((after.expires_at as number) > Date.now() / 1000);
    const stop = await fetch(`${hub.api}/users/alice/server`, { method: 'DELETE', headers });
    assert.ok([202, 204].includes(stop.status));
  });

  test('logout without an issuer to discover: the hub session ends, back to the login page', async () => {
    const { client } = await loginAt(hub, idp, 'alice');
    assert.equal((await client.fetch('/hub/home')).status, 200);
    const out = await client.navigate('/hub/logout');
    assert.equal(out.status, 302);
    assert.equal(out.headers.get('location'), '/hub/login');
    assert.equal((await client.fetch('/hub/home')).status, 302);
  });
});

describe('openid (discovery from the issuer) against a real oidc-provider', () => {
  let idp: TestProvider;
  let hub: TestHub;

  before(async () => {
    const port = await freePort();
    idp = await startTestProvider({
      redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`],
      postLogoutRedirectUris: [`http://127.0.0.1:${port}/hub/login`],
      users: { dora: { preferred_username: 'Dora', groups: ['lab'] } },
    });
    process.env.JUPYTERHUB_CRYPT_KEY = randomBytes(32).toString('base64');
    hub = await startTestHub({
      config: {
        JupyterHub: { port, authenticator_class: 'openid' },
        // The auth-state keys only on the base class, as Z2JH's values.yaml writes them.
        Authenticator: {
          allow_all: false,
          allowed_users: ['dora'],
          enable_auth_state: true,
          manage_groups: true,
          refresh_pre_spawn: true,
        },
        OpenIDOAuthenticator: {
          auth_state_env: {
            ACCESS_TOKEN: 'access_token',
            LAB_USER: 'oauth_user.preferred_username',
          },
          issuer: idp.issuer,
          client_id: idp.clientId,
          client_secret: idp.clientSecret,
          scope: ['openid', 'profile', 'groups'],
          username_claim: '{preferred_username|lower}', // a template (labhub's callable form)
          login_service: 'Lab SSO',
        },
      },
    });
  });
  after(async () => {
    await hub?.stop();
    await idp?.close();
    delete process.env.JUPYTERHUB_CRYPT_KEY;
  });

  test('the ID token is verified and the login completes', async () => {
    const { res } = await loginAt(hub, idp, 'dora');
    assert.equal(res.status, 302, await res.text());
    assert.ok(await hub.hub.ctx.store.users.byName('dora'));
  });

  test('Authenticator.enable_auth_state/manage_groups/refresh_pre_spawn apply to the openid login', async () => {
    await loginAt(hub, idp, 'dora');
    const dora = (await hub.hub.ctx.store.users.byName('dora'))!;
    assert.equal(typeof dora.authState?.access_token, 'string', 'auth_state kept');
    assert.deepEqual(await hub.hub.ctx.store.groups.groupNamesOfUser(dora.id), ['lab']);
    assert.equal(hub.hub.ctx.settings.authenticatorOptions.refresh_pre_spawn, true);
  });

  test('auth_state_env: the access token and a user-data field reach the server environment', async () => {
    await loginAt(hub, idp, 'dora');
    const dora = (await hub.hub.ctx.store.users.byName('dora'))!;
    const token = await hub.token('dora');
    const headers = { Authorization: `token ${token}` };
    const r = await fetch(`${hub.api}/users/dora/server`, { method: 'POST', headers });
    assert.equal(r.status, 201, await r.text());
    const [rec] = await hub.hub.ctx.store.servers.forUser(dora.id);
    const facts = (await (await fetch(`${rec!.target}/user/dora/`)).json()) as {
      env: Record<string, string>;
    };
    assert.equal(facts.env.ACCESS_TOKEN, dora.authState!.access_token);
    assert.equal(facts.env.LAB_USER, 'Dora', 'the user data as the provider sent it');
    await fetch(`${hub.api}/users/dora/server`, { method: 'DELETE', headers });
  });

  test('RP-initiated logout: /hub/logout ends the hub session and sends the browser to the end-session endpoint', async () => {
    const { client } = await loginAt(hub, idp, 'dora');
    assert.equal((await client.fetch('/hub/home')).status, 200);
    const out = await client.navigate('/hub/logout');
    assert.equal(out.status, 302);
    const end = new URL(out.headers.get('location')!);
    assert.equal(`${end.origin}${end.pathname}`, `${idp.issuer}/session/end`);
    assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${hub.url}/hub/login`);
    assert.equal(end.searchParams.get('client_id'), idp.clientId);
    assert.equal((await client.fetch('/hub/home')).status, 302, 'the hub session ended');
    // The provider accepts it (a known client and post-logout URI) and asks to confirm.
    const confirm = await fetch(end, { redirect: 'manual' });
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /logout/i);
  });
});
