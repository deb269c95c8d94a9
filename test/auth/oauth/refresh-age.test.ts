/**
 * Authenticator.auth_refresh_age against a REAL OpenID provider (oidc-provider, access tokens
 * that live 120 s: shorter than the age, so every due refresh renews them) through a real
 * labhub: on a request (API token or login cookie) whose last refresh is older than the age the
 * tokens are renewed with the refresh token grant, auth_state is stored again and the groups
 * follow the provider; a refused refresh means a new login (API 403, pages to the login page);
 * concurrent requests, also from another hub on the same database, fire one grant. The age
 * passes on the hub's clock, moved by hand (no waiting).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../helpers/ports.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';
import { LoginService } from '../../../src/core/login.js';
import { createLoginRateLimiter } from '../../../src/auth/rate-limit.js';
import { HubMetrics } from '../../../src/metrics/hub-metrics.js';
import { silentLogger } from '../../../src/log.js';
import { ManualClock } from '../../../src/core/usage/clock.js';
import { loginThroughProvider, startTestProvider, type TestProvider } from './test-provider.js';

describe('auth_refresh_age (openid, enable_auth_state, manage_groups) against a real oidc-provider', () => {
  let idp: TestProvider;
  let hub: TestHub;
  /** Refresh token grants the provider answered, and refused. */
  const grants = { ok: 0, refused: 0 };
  const clock = new ManualClock(new Date());

  before(async () => {
    const port = await freePort();
    idp = await startTestProvider({
      redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`],
      users: { dora: { preferred_username: 'dora', groups: ['lab'] } },
      accessTokenTtl: 120,
    });
    idp.provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: unknown } } }) => {
      if (ctx.oidc.params?.grant_type === 'refresh_token') grants.ok++;
    });
    idp.provider.on('grant.error', () => grants.refused++);
    process.env.JUPYTERHUB_CRYPT_KEY = randomBytes(32).toString('hex');
    hub = await startTestHub({
      clock,
      config: {
        JupyterHub: { port, authenticator_class: 'openid' },
        Authenticator: { allow_all: true, enable_auth_state: true, manage_groups: true },
        OpenIDOAuthenticator: {
          issuer: idp.issuer,
          client_id: idp.clientId,
          client_secret: idp.clientSecret,
          scope: ['openid', 'profile', 'groups', 'offline_access'],
          username_claim: 'preferred_username',
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

  const store = () => hub.hub.ctx.store;
  const dora = async () => (await store().users.byName('dora'))!;
  /** auth_refresh_age (300 s, the default) passes. */
  const age = async () => clock.advance(301_000);
  const apiUser = async (token: string) =>
    fetch(`${hub.api}/user`, { headers: { Authorization: `token ${token}` } });

  test('within the age requests cost no grant; after it the token is renewed and the groups re-read', async () => {
    const { client, res } = await loginThroughProvider(hub.url, idp, 'dora');
    assert.equal(res.status, 302, await res.text());
    const token = await hub.token('dora');
    const before = (await dora()).authState!;
    assert.equal((await apiUser(token)).status, 200);
    assert.equal((await client.fetch('/hub/home')).status, 200);
    assert.equal(grants.ok, 0, 'a fresh login is not refreshed');

    idp.users.set('dora', { preferred_username: 'dora', groups: ['lab', 'gpu'] });
    await age();
    assert.equal((await apiUser(token)).status, 200);
    assert.equal(grants.ok, 1);
    const after = (await dora()).authState!;
    assert.notEqual(after.access_token, before.access_token);
    assert.ok((after.expires_at as number) > (before.expires_at as number) - 1);
    assert.deepEqual((await store().groups.groupNamesOfUser((await dora()).id)).sort(), [
      'gpu',
      'lab',
    ]);
    const row = await store()
      .db.selectFrom('users')
      .select('auth_state')
      .where('name', '=', 'dora')
      .executeTakeFirstOrThrow();
    assert.match(row.auth_state!, /^labhub:aes-256-gcm:/, 'stored encrypted');
    assert.equal((await apiUser(token)).status, 200);
    assert.equal(grants.ok, 1, 'fresh again');
  });

  test('one grant for concurrent requests, also with another hub on the same database', async () => {
    const token = await hub.token('dora');
    const ctx = hub.hub.ctx;
    // A second replica: its own LoginService (and memory) over the same database and provider.
    const other = new LoginService({
      authenticator: ctx.login.authenticator,
      authenticatorId: ctx.login.authenticatorId,
      policy: ctx.login.policy,
      limiter: createLoginRateLimiter({}),
      store: ctx.store,
      log: silentLogger(),
      metrics: new HubMetrics(),
      now: () => clock.now().getTime(),
    });
    await age();
    const n = grants.ok;
    const user = await dora();
    const answers = await Promise.all([
      apiUser(token),
      apiUser(token),
      apiUser(token),
      other.refreshOnRequest(user),
      other.refreshOnRequest(user),
    ]);
    assert.deepEqual(
      answers.map((a) => (a instanceof Response ? a.status : a ? 'ok' : 'refused')),
      [200, 200, 200, 'ok', 'ok'],
    );
    assert.equal(grants.ok, n + 1);
  });

  test('a refused refresh: the API answers 403, pages send to the login page, until a new login', async () => {
    const { client } = await loginThroughProvider(hub.url, idp, 'dora');
    const token = await hub.token('dora');
    const u = await dora();
    await store().users.setAuthState(u.id, { ...u.authState!, refresh_token: 'revoked' });
    await age();
    const refusedBefore = grants.refused;
    assert.equal((await apiUser(token)).status, 403);
    const page = await client.fetch('/hub/home');
    assert.equal(page.status, 302);
    assert.match(page.headers.get('location') ?? '', /^\/hub\/login/);
    assert.equal((await apiUser(token)).status, 403);
    assert.equal(grants.refused, refusedBefore + 1, 'the provider is asked once');

    const again = await loginThroughProvider(hub.url, idp, 'dora');
    assert.equal(again.res.status, 302);
    assert.equal((await apiUser(token)).status, 200);
    assert.equal((await again.client.fetch('/hub/home')).status, 200);
  });
});
