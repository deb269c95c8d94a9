/**
 * Compatibility with real, unmodified `jupyterhub-singleuser` 6.x and 5.x (hub-protocol.md §2,
 * §3.6): spawn it, follow the browser's OAuth dance by hand through the proxy, get the JupyterLab
 * page, see its activity report arrive, and check another user cannot use the server.
 *
 * The Python environments (<repo>/.venv-singleuser6 and <repo>/.venv-singleuser5) are built by
 * `npm test`'s set-up step before any test (scripts/setup-python.mjs). If one is missing, the
 * test fails and says what to run; it never skips.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserClient, rawRequest } from '../integration/support.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';

const VERSIONS = [
  {
    label: '6.x',
    major: 6,
    venv: '.venv-singleuser6' as const,
    pkce: true,
  },
  {
    label: '5.x',
    major: 5,
    venv: '.venv-singleuser5' as const,
    pkce: false,
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The venv's jupyterhub-singleuser, checked to be the expected major version. */
function singleuser(v: (typeof VERSIONS)[number]): string {
  const env = testEnv(v.venv);
  const version = execFileSync(
    env.python,
    ['-c', 'import jupyterhub; print(jupyterhub.__version__)'],
    {
      encoding: 'utf8',
    },
  ).trim();
  assert.equal(
    Number(version.split('.')[0]),
    v.major,
    `${v.venv} has jupyterhub ${version}, expected ${v.label}`,
  );
  return env.command;
}

/** Wait for the server to be ready; on failure, fail with the hub's own explanation. */
async function waitReady(t: TestHub, c: BrowserClient, user: string, token: string): Promise<void> {
  const end = Date.now() + 150_000;
  for (;;) {
    const m = await (await hubFetch(`${t.api}/users/${user}`, { token })).json();
    const s = m.servers?.[''];
    if (s?.ready) return;
    if (!s) {
      const page = (await c.request(`/hub/spawn-pending/${user}`)).body;
      const why = /<div class="alert alert-error"[^>]*>([\s\S]*?)<\/div>/
        .exec(page)?.[1]
        ?.replace(/<[^>]+>/g, ' ')
        .trim();
      assert.fail(`The server of ${user} failed to start: ${why ?? 'no reason shown'}`);
    }
    if (Date.now() > end)
      assert.fail(`The server of ${user} did not become ready in 150 s: ${JSON.stringify(s)}`);
    await sleep(250);
  }
}

function requestCount(metrics: string, handler: string, method: string, code: string): number {
  let n = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('jupyterhub_request_duration_seconds_count{')) continue;
    if (
      line.includes(`handler="${handler}"`) &&
      line.includes(`method="${method}"`) &&
      line.includes(`code="${code}"`)
    )
      n += Number(line.split(' ').at(-1));
  }
  return n;
}

for (const v of VERSIONS) {
  describe(`jupyterhub-singleuser ${v.label}`, () => {
    test(
      'OAuth browser flow to JupyterLab, activity reported, other users kept out',
      { timeout: 600_000 },
      async (tc) => {
        const command = singleuser(v);
        const notebooks = mkdtempSync(join(tmpdir(), `labhub-compat-${v.major}-`));
        const t = await startTestHub({
          realSingleuser: true,
          config: { Spawner: { cmd: [command], notebook_dir: notebooks } },
        });
        try {
          const admin = await t.token('compat-admin', { admin: true });
          const alice = new BrowserClient(t.url);
          assert.equal((await alice.login('alice')).status, 302);
          const spawn = await alice.request('/hub/spawn');
          assert.equal(spawn.status, 302);
          await waitReady(t, alice, 'alice', admin);

          // 1. The server sends a browser without its cookie to the hub's authorize endpoint.
          const lab1 = await alice.request('/user/alice/lab');
          assert.equal(lab1.status, 302, `GET /user/alice/lab: ${lab1.status}`);
          const authorizeUrl = new URL(String(lab1.headers.location), t.url);
          assert.equal(authorizeUrl.pathname, '/hub/api/oauth2/authorize');
          assert.equal(authorizeUrl.searchParams.get('client_id'), 'jupyterhub-user-alice');
          assert.equal(authorizeUrl.searchParams.get('redirect_uri'), '/user/alice/oauth_callback');
          assert.equal(authorizeUrl.searchParams.get('response_type'), 'code');
          assert.ok(authorizeUrl.searchParams.get('state'));
          assert.equal(
            authorizeUrl.searchParams.get('code_challenge_method'),
            v.pkce ? 'S256' : null,
            `PKCE from ${v.label}`,
          );

          // 2. The hub (alice is logged in, her own server: no consent) sends it back with a code.
          const auth = await alice.request(authorizeUrl.pathname + authorizeUrl.search);
          assert.equal(auth.status, 302, `authorize: ${auth.status} ${auth.body.slice(0, 300)}`);
          const callback = new URL(String(auth.headers.location), t.url);
          assert.equal(callback.pathname, '/user/alice/oauth_callback');
          assert.match(callback.searchParams.get('code') ?? '', /^[A-Za-z0-9]{30}$/);
          assert.equal(callback.searchParams.get('state'), authorizeUrl.searchParams.get('state'));

          // 3. The server exchanges the code (token endpoint + /hub/api/user), sets its cookie.
          const cb = await alice.request(callback.pathname + callback.search);
          assert.equal(cb.status, 302, `oauth_callback: ${cb.status} ${cb.body.slice(0, 500)}`);
          assert.equal(new URL(String(cb.headers.location), t.url).pathname, '/user/alice/lab');
          assert.ok(alice.cookie('jupyterhub-user-alice'), 'the server set its OAuth cookie');

          // 4. JupyterLab.
          const lab = await alice.request('/user/alice/lab');
          assert.equal(
            lab.status,
            200,
            `GET /user/alice/lab after OAuth: ${lab.status} → ${lab.headers.location} ${lab.body.slice(0, 300)}`,
          );
          assert.match(String(lab.headers['content-type']), /text\/html/);
          assert.match(lab.body, /JupyterLab/);
          const config = JSON.parse(
            /<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(
              lab.body,
            )?.[1] ?? '{}',
          );
          assert.equal(config.hubUser, 'alice');
          assert.equal(config.hubServerUser, 'alice');
          assert.equal(config.hubPrefix, '/hub/');
          assert.equal(config.baseUrl, '/user/alice/');

          await tc.test('/user/alice/tree works too (issue 2)', async () => {
            const tree = await alice.request('/user/alice/tree');
            assert.ok(
              tree.status === 200 ||
                (tree.status === 302 && String(tree.headers.location).startsWith('/user/alice/')),
              `/user/alice/tree: ${tree.status}`,
            );
          });

          // 5. Activity: the server posted to /hub/api/users/alice/activity and it was recorded.
          const end = Date.now() + 60_000;
          let posted = 0;
          let lastActivity: string | null = null;
          for (;;) {
            const metrics = await (await hubFetch(`${t.api}/metrics`, { token: admin })).text();
            posted = requestCount(metrics, '/hub/api/users/:name/activity', 'POST', '200');
            lastActivity =
              (await (await hubFetch(`${t.api}/users/alice`, { token: admin })).json()).servers?.[
                ''
              ]?.last_activity ?? null;
            if ((posted > 0 && lastActivity) || Date.now() > end) break;
            await sleep(500);
          }
          assert.ok(
            posted > 0,
            'the server reported activity (POST /hub/api/users/alice/activity → 200)',
          );
          assert.ok(
            lastActivity && !Number.isNaN(Date.parse(lastActivity)),
            `server last_activity is set: ${lastActivity}`,
          );
          const metrics = await (await hubFetch(`${t.api}/metrics`, { token: admin })).text();
          assert.equal(
            requestCount(metrics, '/hub/api/users/:name/activity', 'POST', '400'),
            0,
            'no activity report was refused',
          );

          // 6. Alice's API token reaches her server's API; bob's does not, nor can bob get a code.
          const aliceToken = await t.token('alice');
          const status = await fetch(`${t.url}/user/alice/api/status`, {
            headers: { Authorization: `token ${aliceToken}` },
          });
          assert.equal(status.status, 200, "alice's token on her own server");
          const bobToken = await t.token('bob');
          const denied = await fetch(`${t.url}/user/alice/api/status`, {
            headers: { Authorization: `token ${bobToken}` },
          });
          assert.equal(denied.status, 403, "bob's token on alice's server");
          const bob = new BrowserClient(t.url);
          assert.equal((await bob.login('bob')).status, 302);
          const bobLab = await bob.request('/user/alice/lab');
          assert.equal(bobLab.status, 302);
          const bobAuthUrl = new URL(String(bobLab.headers.location), t.url);
          assert.equal(bobAuthUrl.pathname, '/hub/api/oauth2/authorize');
          const bobAuth = await bob.request(bobAuthUrl.pathname + bobAuthUrl.search);
          assert.equal(bobAuth.status, 403, "the hub refuses to authorize bob for alice's server");
          assert.equal(bobAuth.headers.location, undefined);
          const bobAgain = await bob.request('/user/alice/lab');
          assert.notEqual(bobAgain.status, 200, 'bob still gets no JupyterLab of alice');

          // 7. After alice logs out, her server cookie is dead (the session's OAuth token is revoked).
          const serverCookie = alice.cookie('jupyterhub-user-alice')!;
          assert.equal((await alice.request('/hub/logout')).status, 302);
          assert.equal(
            alice.cookie('jupyterhub-session-id'),
            undefined,
            'logout cleared the session id',
          );
          assert.ok(
            alice.cookie('jupyterhub-user-alice'),
            'the server cookie (path /user/alice/) is still in the browser',
          );
          const after = await alice.request('/user/alice/lab');
          assert.equal(after.status, 302, `JupyterLab after logout: ${after.status}`);
          const again = new URL(String(after.headers.location), t.url);
          assert.equal(again.pathname, '/hub/api/oauth2/authorize');
          const toLogin = await alice.request(again.pathname + again.search);
          assert.equal(toLogin.status, 302);
          assert.equal(new URL(String(toLogin.headers.location), t.url).pathname, '/hub/login');
          // (Not sending a session id, the singleuser's identity cache cannot help: the hub decides.)
          const replay = await rawRequest(`${t.url}/user/alice/lab`, {
            headers: {
              Cookie: `jupyterhub-user-alice=${serverCookie}`,
              'Sec-Fetch-Mode': 'navigate',
            },
          });
          assert.notEqual(
            replay.status,
            200,
            `a logged-out session's server cookie is dead: ${replay.status}`,
          );
        } finally {
          await t.stop();
          rmSync(notebooks, { recursive: true, force: true });
        }
      },
    );
  });
}
