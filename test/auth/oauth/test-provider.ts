/**
 * A REAL OpenID provider for the tests: `oidc-provider` (the certified implementation) on a
 * loopback port, with one confidential client and a few users. Its login interaction is a tiny
 * form (GET /interaction/<uid>) that posts the account name to /interaction/<uid>/login; the
 * tests answer it over HTTP, the browser test fills it in. Consent is granted automatically.
 */
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { CookieClient } from '../../helpers/cookie-client.js';
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

/**
 * The browser's part at the provider: open the authorization URL, sign in as `account` on the
 * provider's form, and follow the provider's redirects. Returns the response that sends the
 * browser back to the hub (its Location is the hub's callback).
 */
export async function signInAtProvider(
  idp: Pick<TestProvider, 'issuer'>,
  authorizeUrl: string,
  account: string,
): Promise<Response> {
  const jar = new CookieClient(idp.issuer);
  let r = await jar.fetch(authorizeUrl);
  const interaction = new URL(r.headers.get('location')!, idp.issuer);
  if (!interaction.pathname.startsWith('/interaction/'))
    throw new Error(`the provider did not ask for a login: ${interaction.href}`);
  r = await jar.fetch(`${interaction.pathname}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ account }).toString(),
  });
  for (let i = 0; i < 5; i++) {
    const loc = new URL(r.headers.get('location')!, idp.issuer);
    if (loc.origin !== idp.issuer) return r;
    r = await jar.fetch(loc.href);
  }
  throw new Error('the provider did not send the browser back to the hub');
}

/**
 * A whole login as a browser does it: the hub's login path (`/hub/oauth_login`, or a
 * MultiAuthenticator entry's) → the provider (sign in as `account`) → the hub's callback. The
 * hub's first answer must send the browser to the provider with state and PKCE (S256).
 */
export async function loginThroughProvider(
  hubUrl: string,
  idp: Pick<TestProvider, 'issuer'>,
  account: string,
  o: { next?: string; loginPath?: string } = {},
): Promise<{ client: CookieClient; res: Response }> {
  const client = new CookieClient(hubUrl);
  const path = o.loginPath ?? '/hub/oauth_login';
  const start = await client.fetch(`${path}${o.next ? `?next=${encodeURIComponent(o.next)}` : ''}`);
  if (start.status !== 302) throw new Error(`${path}: ${start.status} ${await start.text()}`);
  const authorize = new URL(start.headers.get('location')!);
  if (authorize.origin !== idp.issuer) throw new Error(`sent to ${authorize.origin}`);
  if (authorize.searchParams.get('code_challenge_method') !== 'S256')
    throw new Error('no PKCE (S256) in the authorization request');
  if (!authorize.searchParams.get('state'))
    throw new Error('no state in the authorization request');
  const r = await signInAtProvider(idp, authorize.href, account);
  const back = new URL(r.headers.get('location')!);
  if (back.origin !== hubUrl) throw new Error(`sent back to ${back.href}`);
  return { client, res: await client.fetch(back.href) };
}
