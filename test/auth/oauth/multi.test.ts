/**
 * Several authenticators at once (MultiAuthenticator.authenticators) through a real labhub: a
 * real OpenID provider (oidc-provider) at /hub/sso/, the GitHub preset against a local stand-in
 * at /hub/github/ with a user-name prefix, and a password form (dummy) on the same login page.
 * The page itself (buttons, password form, refusals in English and Chinese) is tested in
 * Chromium in test/ui/oauth-login.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CookieClient } from '../../helpers/cookie-client.js';
import type { TestHub } from '../../helpers/test-hub.js';
import { loadConfig } from '../../../src/config/index.js';
import { Hub } from '../../../src/hub.js';
import { silentLogger } from '../../../src/log.js';
import { loginThroughProvider, type TestProvider } from './test-provider.js';
import type { StandIn } from './stand-in.js';
import { startMultiLoginHub, type MultiLoginHub } from './multi-hub.js';

/** Follow redirects away from the hub until the browser is back at `callbackPath`. */
async function roundTrip(
  hub: TestHub,
  loginPath: string,
  atProvider: (url: URL) => Promise<Response>,
): Promise<{ client: CookieClient; res: Response }> {
  const client = new CookieClient(hub.url);
  const start = await client.fetch(loginPath);
  assert.equal(start.status, 302, await start.text());
  let r = await atProvider(new URL(start.headers.get('location')!));
  for (let i = 0; i < 6; i++) {
    const loc = new URL(r.headers.get('location')!, r.url || undefined);
    if (loc.origin === hub.url) return { client, res: await client.fetch(loc.href) };
    r = await fetch(loc, { redirect: 'manual' });
  }
  throw new Error('not sent back to the hub');
}

describe('MultiAuthenticator: OpenID provider + GitHub (stand-in) + password form on one page', () => {
  let m: MultiLoginHub;
  let idp: TestProvider;
  let gh: StandIn;
  let hub: TestHub;

  before(async () => {
    m = await startMultiLoginHub({
      githubClass: 'oauthenticator.github.GitHubOAuthenticator',
      github: { allowed_organizations: ['lab'] },
      standIn: (s) => {
        s.github.users = { octocat: { login: 'octocat', id: 1 }, dora: { login: 'dora', id: 9 } };
        s.github.orgMembers = { lab: ['octocat', 'dora'] };
      },
    });
    ({ idp, gh, hub } = m);
  });
  after(() => m?.close());

  const viaSso = (account: string) =>
    loginThroughProvider(hub.url, idp, account, { loginPath: '/hub/sso/oauth_login' });
  const viaGitHub = (user: string) => {
    gh.nextUser = user;
    return roundTrip(hub, '/hub/github/oauth_login', (authorize) =>
      fetch(authorize, { redirect: 'manual' }),
    );
  };

  test('each provider logs in its own user; the GitHub user gets the prefix', async () => {
    const sso = await viaSso('dora');
    assert.equal(sso.res.status, 302, await sso.res.text());
    assert.equal((await sso.client.fetch('/hub/home')).status, 200);
    const git = await viaGitHub('octocat');
    assert.equal(git.res.status, 302, await git.res.text());
    assert.ok(await hub.hub.ctx.store.users.byName('github-octocat'));
    // Same name at both providers, different hub users (the prefix keeps them apart).
    await viaGitHub('dora');
    assert.ok(await hub.hub.ctx.store.users.byName('github-dora'));
  });

  test('the password form logs in through the password entry; a provider login is still checked by the policy', async () => {
    const c = new CookieClient(hub.url);
    const xsrf = await c.xsrf('/hub/login');
    const ok = await c.fetch('/hub/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'pat', password: 'pw', _xsrf: xsrf }).toString(),
    });
    assert.equal(ok.status, 302);
    const refused = await viaSso('zed');
    assert.equal(refused.res.status, 403);
    assert.equal(await hub.hub.ctx.store.users.byName('zed'), null);
  });
});

test('MultiAuthenticator config errors name the entry and the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-multi-'));
  const start = (authenticators: unknown[]) =>
    new Hub({
      loaded: loadConfig({
        cwd: dir,
        overrides: {
          JupyterHub: {
            authenticator_class: 'multi',
            db_url: `sqlite:///${join(dir, 'hub.sqlite')}`,
            cookie_secret_file: join(dir, 'cookie_secret'),
          },
          MultiAuthenticator: { authenticators },
        },
      }),
      log: silentLogger(),
      cwd: dir,
    }).start();
  const cases: [unknown[], RegExp][] = [
    [
      [
        {
          authenticator_class: 'github',
          url_prefix: 'gh',
          config: { client_id: 'x', allowed_groups: ['a'] },
        },
      ],
      /authenticators\[0\]: allowed_groups in an entry's config would not apply to it alone: set it on Authenticator/,
    ],
    [
      [
        {
          authenticator_class: 'github',
          url_prefix: 'gh',
          config: { client_id: 'x', alowed_organizations: ['a'] },
        },
      ],
      /GitHubOAuthenticator\.alowed_organizations .* is not a known setting\. Did you mean .*allowed_organizations/,
    ],
    [
      [{ authenticator_class: 'github', url_prefix: 'api', config: { client_id: 'x' } }],
      /url_prefix "api" is a hub page/,
    ],
    [
      [{ authenticator_class: 'dummy' }, { authenticator_class: 'native' }],
      /2 password logins \(dummy, native\)/,
    ],
    [
      [{ authenticator_class: 'nope' }],
      /authenticators\[0\]: authenticator_class "nope" is not a built-in/,
    ],
  ];
  for (const [a, re] of cases) await assert.rejects(start(a), re);
  rmSync(dir, { recursive: true, force: true });
});
