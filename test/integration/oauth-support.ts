/**
 * Shared set-up of the OAuth integration tests: a test hub where alice is logged in and her
 * (fake) server was really spawned, so its OAuth client, secret and callback are the ones the hub
 * registered; plus the requests jupyterhub-singleuser makes (authorize, token, /hub/api/user).
 * The `t`, `alice` and `env` exports are live bindings, set by the before hook of useOAuthHub().
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CookieClient } from '../helpers/cookie-client.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { location, loggedIn, serverEnv, spawnAndWait } from './support.js';

export let t: TestHub;
export let alice: CookieClient;
/** The environment the spawned fake server of alice received (client id, secret, callback, API URL). */
export let env: Record<string, string>;

/** Register before/after hooks: a test hub where alice is logged in and her server runs. */
export function useOAuthHub(): void {
  before(async () => {
    t = await startTestHub({
      config: {
        JupyterHub: { allow_named_servers: true },
        Authenticator: { allow_all: true, admin_users: ['admin'] },
      },
    });
    alice = await loggedIn(t, 'alice');
    await spawnAndWait(t, alice, 'alice');
    env = await serverEnv(t, 'alice');
  });
  after(async () => {
    await t?.stop();
  });
}

/** The authorize query a 6.x singleuser builds, with overrides (undefined drops a parameter). */
export function authorizeQuery(
  over: Record<string, string | undefined> = {},
  challenge?: string,
): string {
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

export async function authorize(c: CookieClient, query: string): Promise<Response> {
  return c.fetch(`/hub/api/oauth2/authorize?${query}`);
}

/** Run authorize and return the code from the 302 back to the callback. */
export async function getCode(
  c: CookieClient = alice,
  over: Record<string, string | undefined> = {},
  challenge?: string,
): Promise<string> {
  const r = await authorize(c, authorizeQuery(over, challenge));
  assert.equal(
    r.status,
    302,
    `authorize should redirect, got ${r.status}: ${(await r.text()).slice(0, 200)}`,
  );
  const loc = location(r);
  assert.equal(loc.path, env.JUPYTERHUB_OAUTH_CALLBACK_URL);
  const code = loc.query.get('code');
  assert.ok(code, `no code in ${loc.raw}`);
  return code;
}

/** POST the token request as the singleuser does (form-encoded, to the internal API URL). */
export async function tokenRequest(
  params: Record<string, string | undefined> | string,
): Promise<{ res: Response; body: Record<string, unknown> }> {
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
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `token ${env.JUPYTERHUB_API_TOKEN}`,
    },
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

export function exchange(code: string, over: Record<string, string | undefined> = {}) {
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
export function assertOAuthError(
  r: { res: Response; body: Record<string, unknown> },
  error: string,
  status = 400,
): void {
  assert.equal(
    r.res.status,
    status,
    `expected ${status} ${error}, got ${r.res.status} ${JSON.stringify(r.body)}`,
  );
  assert.equal(r.body.error, error);
  assert.equal(typeof r.body.error_description, 'string');
  assert.ok((r.body.error_description as string).length > 0);
  assert.match(r.res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.res.headers.get('cache-control'), 'no-store');
  assert.equal(r.res.headers.get('pragma'), 'no-cache');
  assert.equal('access_token' in r.body, false);
}

export async function whoami(token: string): Promise<Response> {
  return hubFetch(`${env.JUPYTERHUB_API_URL}/user`, { token });
}
