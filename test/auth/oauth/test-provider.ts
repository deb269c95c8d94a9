/**
 * A REAL OpenID provider for the tests: `oidc-provider` (the certified implementation) on a
 * loopback port, with one confidential client and a few users. Its login interaction is a tiny
 * form (GET /interaction/<uid>) that posts the account name to /interaction/<uid>/login; the
 * tests answer it over HTTP, the browser test fills it in. Consent is granted automatically.
 */
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from '../../helpers/ports.js';

export interface TestUser {
  preferred_username: string;
  email?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, TestUser>;
  provider: Provider;
  close(): Promise<void>;
}

const silence = () => {
  // oidc-provider warns on Node 20 and about its development-only defaults (keys, interactions).
  const warn = console.warn;
  const log = console.log;
  console.warn = () => undefined;
  console.log = () => undefined;
  return () => {
    console.warn = warn;
    console.log = log;
  };
};

export async function startTestProvider(opts: {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  users: Record<string, TestUser>;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  host?: string;
}): Promise<TestProvider> {
  const host = opts.host ?? '127.0.0.2';
  const port = await freePort();
  const issuer = `http://${host}:${port}`;
  const users = new Map(Object.entries(opts.users));
  const clientId = 'labhub-test';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const restore = silence();
  let provider: Provider;
  try {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: opts.redirectUris,
          post_logout_redirect_uris: opts.postLogoutRedirectUris ?? [],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      claims: {
        openid: ['sub'],
        profile: ['preferred_username', 'name'],
        email: ['email'],
        groups: ['groups'],
      },
      scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
      ttl: {
        AccessToken: opts.accessTokenTtl ?? 3600,
        IdToken: 3600,
        RefreshToken: 86400,
        Grant: 86400,
        Session: 86400,
        Interaction: 600,
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      async loadExistingGrant(ctx) {
        const accountId = ctx.oidc.session?.accountId;
        if (!accountId) return undefined;
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client!.clientId,
          accountId,
        });
        grant.addOIDCScope('openid profile email groups offline_access');
        await grant.save();
        return grant;
      },
      async findAccount(_ctx, id) {
        const u = users.get(id);
        if (!u) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...users.get(id) }) };
      },
    });
  } finally {
    restore();
  }
  const handler = provider.callback();
  const server: Server = createServer((req, res) => {
    const m = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
    if (m && !m[2] && req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><html lang="en"><head><title>Test provider</title><link rel="icon" href="data:,"></head><body><main><h1>Test provider</h1>` +
          `<form method="post" action="/interaction/${m[1]}/login"><label>Account <input name="account" autofocus></label>` +
          `<button type="submit">Sign in</button></form></main></body></html>`,
      );
      return;
    }
    if (m && m[2]) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = new URLSearchParams(Buffer.concat(chunks).toString());
        const q = new URL(req.url ?? '/', issuer).searchParams;
        const account = body.get('account') ?? q.get('account') ?? '';
        const result = users.has(account)
          ? { login: { accountId: account } }
          : { error: 'access_denied', error_description: 'unknown account' };
        provider
          .interactionFinished(req, res, result, { mergeWithLastSubmission: false })
          .catch((e: Error) => {
            res.statusCode = 500;
            res.end(e.message);
          });
      });
      return;
    }
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    users,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
