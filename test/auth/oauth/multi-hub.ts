/**
 * The several-logins hub of test/auth/oauth/multi.test.ts and test/ui/oauth-login.test.ts: a
 * real OpenID provider (oidc-provider; accounts dora and zed) at /hub/sso/, the GitHub preset
 * against the local stand-in at /hub/github/ with the user-name prefix `github-`, and a password
 * form (dummy, password `pw`) on one login page; dora and pat are allowed.
 */
import { freePort } from '../../helpers/ports.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';
import { startTestProvider, type TestProvider } from './test-provider.js';
import { startStandIn, type StandIn } from './stand-in.js';

export interface MultiLoginHub {
  idp: TestProvider;
  gh: StandIn;
  hub: TestHub;
  close(): Promise<void>;
}

export async function startMultiLoginHub(
  o: {
    /** GitHub's authenticator_class as the config names it (default `github`). */
    githubClass?: string;
    /** More GitHubOAuthenticator settings (e.g. allowed_organizations). */
    github?: Record<string, unknown>;
    /** Called with the stand-in before the hub starts (its users, organizations). */
    standIn?: (gh: StandIn) => void;
  } = {},
): Promise<MultiLoginHub> {
  const port = await freePort();
  const idp = await startTestProvider({
    redirectUris: [`http://127.0.0.1:${port}/hub/sso/oauth_callback`],
    users: { dora: { preferred_username: 'dora' }, zed: { preferred_username: 'zed' } },
  });
  const gh = await startStandIn();
  o.standIn?.(gh);
  let hub: TestHub;
  try {
    hub = await startTestHub({
      config: {
        JupyterHub: { port, authenticator_class: 'multi' },
        Authenticator: { allow_all: false, allowed_users: ['dora', 'pat'] },
        MultiAuthenticator: {
          authenticators: [
            {
              authenticator_class: 'openid',
              url_prefix: 'sso',
              config: {
                issuer: idp.issuer,
                client_id: idp.clientId,
                client_secret: idp.clientSecret,
                scope: ['openid', 'profile'],
                username_claim: 'preferred_username',
                login_service: 'Lab SSO',
              },
            },
            {
              authenticator_class: o.githubClass ?? 'github',
              url_prefix: 'github',
              username_prefix: 'github-',
              config: {
                github_url: gh.url,
                client_id: gh.clientId,
                client_secret: gh.clientSecret,
                ...o.github,
              },
            },
            { authenticator_class: 'dummy', config: { password: 'pw' } },
          ],
        },
      },
    });
  } catch (e) {
    await idp.close();
    await gh.close();
    throw e;
  }
  return {
    idp,
    gh,
    hub,
    async close() {
      await hub.stop();
      await idp.close();
      await gh.close();
    },
  };
}
