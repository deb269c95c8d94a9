/**
 * The GitHub, GitLab, Google and Entra ID presets against a local STAND-IN for each provider
 * (stand-in.ts: their documented endpoints and JSON shapes; the real services cannot be reached
 * here). Each login goes through openid-client: authorization URL with PKCE and state, the code
 * exchange, the provider's API.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator } from '../../../src/auth/define.js';
import { resolveAuthenticator } from '../../../src/auth/registry.js';
import type { AuthResult, Authenticator } from '../../../src/auth/types.js';
import { silentLogger } from '../../../src/log.js';
import { startStandIn, type StandIn } from './stand-in.js';
import { startTestProvider } from './test-provider.js';

let s: StandIn;
const CALLBACK = 'http://127.0.0.1:8000/hub/oauth_callback';

before(async () => {
  s = await startStandIn();
  s.github.users = { octocat: { login: 'octocat', id: 1 }, mona: { login: 'mona', id: 2 } };
  s.github.orgMembers = { 'jupyter-lab': ['octocat'] };
  s.github.teams = { mona: [{ org: 'research', slug: 'gpu', members: ['mona'] }] };
  s.gitlab.users = { gl: { id: 42, username: 'gl-user' }, other: { id: 7, username: 'other' } };
  s.gitlab.groups = { 'science/hpc': [42] };
  s.google = {
    ada: { sub: '1', email: 'ada@uni.example', email_verified: true, hd: 'uni.example' },
    eve: { sub: '2', email: 'eve@gmail.example', email_verified: true },
  };
  s.azure = {
    grace: {
      oid: 'o-1',
      name: 'grace',
      preferred_username: 'grace@contoso.example',
      groups: ['g-lab'],
    },
  };
});
after(() => s?.close());

async function make(id: string, options: Record<string, unknown>): Promise<Authenticator> {
  const def = await resolveAuthenticator(id);
  return createAuthenticator(
    def,
    { client_id: s.clientId, client_secret: s.clientSecret, ...options },
    { log: silentLogger(), accounts: {} as never },
  );
}

/** The browser's round trip through the stand-in for `user`. */
async function login(auth: Authenticator, user: string): Promise<AuthResult> {
  s.nextUser = user;
  const { url, pending } = await auth.redirectLogin!.begin(CALLBACK);
  const r = await fetch(url, { redirect: 'manual' });
  assert.equal(r.status, 302, await r.text());
  const back = new URL(r.headers.get('location')!);
  return auth.redirectLogin!.complete({ callbackUrl: CALLBACK, currentUrl: back, pending });
}

test('github (stand-in): GitHub Enterprise endpoints, login as user name, allowed_organizations and teams', async () => {
  const auth = await make('oauthenticator.github.GitHubOAuthenticator', {
    github_url: s.url,
    allowed_organizations: ['jupyter-lab', 'research:gpu'],
    populate_teams_in_auth_state: true,
  });
  assert.equal(auth.redirectLogin!.label, 'GitHub');
  const octo = await login(auth, 'octocat');
  assert.equal(octo.name, 'octocat');
  assert.equal(octo.allowedVia, 'allowed_organizations (jupyter-lab)');
  const mona = await login(auth, 'mona');
  assert.equal(mona.allowedVia, 'allowed_organizations (research:gpu)');
  assert.deepEqual(mona.groups, ['research:gpu']);
  // Not in an organization: no rule of GitHub's lets the user in (the policy decides the rest).
  s.github.orgMembers = {};
  s.github.teams = {};
  assert.equal((await login(auth, 'octocat')).allowedVia, undefined);
});

test('github: github.com uses api.github.com; a missing client_id is a config error', async () => {
  const auth = await make('github', {});
  const { url } = await auth.redirectLogin!.begin(CALLBACK);
  assert.match(url, /^https:\/\/github\.com\/login\/oauth\/authorize\?/);
  await assert.rejects(
    resolveAuthenticator('github').then((d) =>
      createAuthenticator(d, {}, { log: silentLogger(), accounts: {} as never }),
    ),
    /GitHubOAuthenticator needs GitHubOAuthenticator\.client_id/,
  );
});

test('gitlab (stand-in): user name from /api/v4/user, allowed_gitlab_groups by group path', async () => {
  const auth = await make('gitlab', {
    gitlab_url: `${s.url}/gitlab`,
    allowed_gitlab_groups: ['science/hpc'],
  });
  const gl = await login(auth, 'gl');
  assert.equal(gl.name, 'gl-user');
  assert.equal(gl.allowedVia, 'allowed_gitlab_groups (science/hpc)');
  assert.equal((await login(auth, 'other')).allowedVia, undefined);
});

test('gitlab (stand-in): allowed_project_ids lets in members at Developer level or above, by id or path', async () => {
  s.gitlab.users.dev = { id: 11, username: 'dev' };
  s.gitlab.users.guest = { id: 12, username: 'guest' };
  s.gitlab.users.owner = { id: 13, username: 'owner' };
  s.gitlab.projects = { '4711': { 11: 30, 12: 20 }, 'science/notebooks': { 13: 50 } };
  const auth = await make('gitlab', {
    gitlab_url: `${s.url}/gitlab`,
    allowed_project_ids: [4711, 'science%2Fnotebooks', 999],
  });
  assert.equal((await login(auth, 'dev')).allowedVia, 'allowed_project_ids (4711)');
  assert.equal(
    (await login(auth, 'owner')).allowedVia,
    'allowed_project_ids (science%2Fnotebooks)',
  );
  // A Reporter (20) is a member but below Developer; another user is in no project.
  assert.equal((await login(auth, 'guest')).allowedVia, undefined);
  assert.equal((await login(auth, 'other')).allowedVia, undefined);
});

test('google (stand-in): hosted_domain refuses other domains; one domain strips it from the name', async () => {
  const auth = await make('google', {
    authorize_url: `${s.url}/google/auth`,
    token_url: `${s.url}/google/token`,
    userdata_url: `${s.url}/google/userinfo`,
    hosted_domain: ['uni.example'],
  });
  assert.equal((await login(auth, 'ada')).name, 'ada');
  await assert.rejects(login(auth, 'eve'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'LABHUB_ERR_OAUTH_LOGIN');
    assert.match(
      e.message,
      /as "eve@gmail\.example", but this hub only accepts verified accounts of uni\.example/,
    );
    return true;
  });
});

test('azuread (stand-in): endpoints from tenant_id, user data and groups from the ID token', async () => {
  const plain = await make('AzureAdOAuthenticator', { tenant_id: 'tenant-1' });
  const { url } = await plain.redirectLogin!.begin(CALLBACK);
  assert.match(url, /^https:\/\/login\.microsoftonline\.com\/tenant-1\/oauth2\/v2\.0\/authorize\?/);
  const auth = await make('azuread', {
    tenant_id: 'tenant-1',
    authorize_url: `${s.url}/azure/tenant-1/oauth2/v2.0/authorize`,
    token_url: `${s.url}/azure/tenant-1/oauth2/v2.0/token`,
  });
  const g = await login(auth, 'grace');
  assert.equal(g.name, 'grace');
  assert.deepEqual(g.groups, ['g-lab']);
  assert.equal((g.authState!.oauth_user as { oid: string }).oid, 'o-1');
});

test('openid: a wrong issuer is a warning at start (discovery), not only at the first login', async () => {
  const auth = await make('openid', { issuer: 'http://127.0.0.3:9/realms/none' });
  const notices = await auth.startupNotices!();
  assert.equal(notices.length, 1);
  assert.match(
    notices[0]!.message,
    /OpenIDOAuthenticator: OpenID Connect discovery from http:\/\/127\.0\.0\.3:9\/realms\/none\/?\.well-known\/openid-configuration failed/,
  );
  const idp = await startTestProvider({ redirectUris: [CALLBACK], users: {} });
  try {
    const ok = await make('openid', { issuer: idp.issuer });
    assert.deepEqual(await ok.startupNotices!(), []);
  } finally {
    await idp.close();
  }
});
