/**
 * Login and logout over real sockets (through the proxy): cookies, the generic failure page, rate
 * limiting, the `next` open-redirect table of JupyterHub's test_login_redirect (CVE-2019-10255,
 * CVE-2026-33709) as full HTTP round trips, `next` HTML injection, logout revoking the session's
 * OAuth tokens (CVE-2021-41247), and huge usernames in logs (CVE-2026-54338).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieClient } from '../helpers/cookie-client.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import {
  assertHtmlPage,
  location,
  loggedIn,
  memoryLogger,
  rawRequest,
  serverEnv,
  spawnAndWait,
  startLoggedHub,
} from './support.js';

let t: TestHub;
/** Where a logged-in user without a running server lands when `next` is absent or refused. */
const LANDING = '/hub/spawn';

before(async () => {
  t = await startTestHub({
    config: {
      Authenticator: { allow_all: true, blocked_users: ['eve'] },
      // A low per-user limit for the rate-limit test; a high per-address one so the other tests'
      // failures (all from 127.0.0.1) do not trip it.
      Labhub: { login_rate_limit: { per_user: 3, per_ip: 1000, window_seconds: 300 } },
    },
  });
});
after(async () => {
  await t?.stop();
});

/** Parse Set-Cookie headers into name → lower-cased attribute list. */
function setCookies(res: Response): Map<string, { value: string; attrs: string[] }> {
  const out = new Map<string, { value: string; attrs: string[] }>();
  for (const c of res.headers.getSetCookie()) {
    const [pair, ...attrs] = c.split(';').map((s) => s.trim());
    const i = pair.indexOf('=');
    out.set(pair.slice(0, i), {
      value: pair.slice(i + 1),
      attrs: attrs.map((a) => a.toLowerCase()),
    });
  }
  return out;
}

async function postLogin(
  c: CookieClient,
  username: string,
  password: string,
  query = '',
): Promise<Response> {
  const xsrf = await c.xsrf();
  return c.fetch(`/hub/login${query}`, {
    method: 'POST',
    body: new URLSearchParams({ username, password, _xsrf: xsrf }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

describe('login page and cookies', () => {
  test('GET /hub/login shows the form with an _xsrf field', async () => {
    const r = await new CookieClient(t.url).fetch('/hub/login');
    const html = await assertHtmlPage(r, 200, 'login page');
    assert.match(html, /<form[^>]*method="post"/);
    assert.match(html, /name="username"/);
    assert.match(html, /name="password"/);
    assert.match(html, /name="_xsrf" value="[^"]+"/);
  });

  test('successful login: 302, login cookie HttpOnly SameSite=Lax path /hub/, session cookie path /', async () => {
    const c = new CookieClient(t.url);
    const r = await postLogin(c, 'alice', 'pw');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), LANDING);
    const cookies = setCookies(r);
    const login = cookies.get('jupyterhub-hub-login');
    assert.ok(login && login.value, 'jupyterhub-hub-login set');
    assert.ok(login.attrs.includes('httponly'));
    assert.ok(login.attrs.includes('samesite=lax'));
    assert.ok(login.attrs.includes('path=/hub/'));
    assert.ok(!login.attrs.includes('secure'), 'not Secure over plain HTTP');
    const session = cookies.get('jupyterhub-session-id');
    assert.ok(
      session && /^[0-9a-f]{16,}$/.test(session.value),
      'session id is plain (the singleuser reads it)',
    );
    assert.ok(session.attrs.includes('httponly'));
    assert.ok(session.attrs.includes('samesite=lax'));
    assert.ok(session.attrs.includes('path=/'));
    const home = await c.fetch('/hub/home');
    assert.equal(home.status, 200);
    assert.match(await home.text(), /alice/);
  });

  test('with an https public_url (TLS ended before the proxy) the cookies are Secure', async () => {
    const h = await startTestHub({
      config: { JupyterHub: { public_url: 'https://hub.example.test/' } },
    });
    try {
      const c = new CookieClient(h.url);
      const page = await c.fetch('/hub/login');
      const xsrfCookie = setCookies(page).get('_xsrf');
      assert.ok(xsrfCookie?.attrs.includes('secure'), '_xsrf is Secure');
      const r = await postLogin(c, 'alice', 'pw');
      assert.equal(r.status, 302);
      const cookies = setCookies(r);
      for (const name of ['jupyterhub-hub-login', 'jupyterhub-session-id']) {
        assert.ok(cookies.get(name)?.attrs.includes('secure'), `${name} is Secure`);
        assert.ok(cookies.get(name)?.attrs.includes('httponly'), `${name} is HttpOnly`);
      }
    } finally {
      await h.stop();
    }
  });

  test('a logged-in user visiting /hub/login is sent on (to a validated next)', async () => {
    const c = await loggedIn(t, 'alice');
    const r = await c.fetch('/hub/login?next=%2Fhub%2Ftoken');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/hub/token');
    const evil = await c.fetch('/hub/login?next=%2F%2Fother.domain%2F');
    assert.equal(evil.headers.get('location'), LANDING);
  });

  test('login POST without _xsrf is refused and sets no login cookie', async () => {
    const c = new CookieClient(t.url);
    await c.fetch('/hub/login');
    const r = await c.fetch('/hub/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'alice', password: 'pw' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 403);
    assert.equal(setCookies(r).has('jupyterhub-hub-login'), false);
  });
});

describe('failed logins', () => {
  test('wrong password, unknown or blocked user: the same 403 page with a generic message', async () => {
    const bodies: string[] = [];
    for (const [user, pw] of [
      ['alice', 'wrong'],
      ['nosuchuser', 'nope'],
      ['eve', 'pw'],
    ]) {
      const c = new CookieClient(t.url);
      const r = await postLogin(c, user, pw);
      const html = await assertHtmlPage(r, 403, `login ${user}`);
      assert.match(html, /Invalid username or password\./);
      assert.doesNotMatch(html, /blocked|not allowed|does not exist/i, 'the page does not say why');
      assert.equal(setCookies(r).has('jupyterhub-hub-login'), false);
      // The form is shown again with the name filled in.
      assert.match(html, new RegExp(`name="username"[^>]*value="${user}"`));
      bodies.push(html.replace(/value="[^"]*"/g, '').replace(/content="[^"]*"/g, ''));
    }
    assert.equal(bodies[1], bodies[0], 'unknown user and wrong password look the same');
    assert.equal(bodies[2], bodies[0], 'blocked user and wrong password look the same');
  });

  test('too many failures for one user → 429 with Retry-After, even with the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await postLogin(new CookieClient(t.url), 'ratelimited', 'wrong')).status);
    assert.deepEqual(statuses, [403, 403, 403]);
    const limited = await postLogin(new CookieClient(t.url), 'ratelimited', 'pw');
    const html = await assertHtmlPage(limited, 429, 'rate limited');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retry) && retry > 0 && retry <= 300,
      `Retry-After: ${limited.headers.get('retry-after')}`,
    );
    assert.match(html, /Try again in \d+ seconds/);
    // Other users are not affected.
    assert.equal((await postLogin(new CookieClient(t.url), 'alice', 'pw')).status, 302);
  });
});

describe('next redirects only ever stay inside the hub (test_login_redirect)', () => {
  const host = () => new URL(t.url).host;
  // [next, expected Location] — null means "refused": the default landing page.
  const vectors: Array<[string, () => string | null]> = [
    ['/hub/admin', () => '/hub/admin'],
    ['/has?repo=https://host.git', () => '/has?repo=https://host.git'],
    ['/user/alice/lab?x=1#frag', () => '/user/alice/lab?x=1#frag'],
    ['relative/path', () => null],
    ['https://other.domain', () => null],
    ['https://other.domain/hub/', () => null],
    ['ftp://other.domain', () => null],
    ['//other.domain', () => null],
    ['///other.domain/triple', () => null],
    ['\\\\other.domain/backslashes', () => null],
    ['/\\other.domain', () => '/%5Cother.domain'], // backslash escaped: a path on this host
    ['\\/other.domain', () => null],
    ['/\t/other.domain', () => null],
    ['/\n/other.domain', () => null],
    ['javascript:alert(1)', () => null],
    ['data:text/html,<script>alert(1)</script>', () => null],
    [' //other.domain', () => null],
  ];
  for (const [next, want] of vectors) {
    test(`next=${JSON.stringify(next)}`, async () => {
      const c = new CookieClient(t.url);
      const r = await postLogin(c, 'alice', 'pw', `?next=${encodeURIComponent(next)}`);
      assert.equal(r.status, 302);
      const loc = r.headers.get('location')!;
      const expected = want();
      if (expected === null)
        assert.equal(
          loc,
          LANDING,
          `refused next ${JSON.stringify(next)} must fall back, got ${loc}`,
        );
      else assert.equal(loc, expected);
      // Whatever it is, a browser resolves it to this host.
      assert.equal(new URL(loc, t.url).host, host(), `Location ${loc} leaves the hub`);
    });
  }

  test('own host followed by //other.domain/ becomes the path /other.domain/ (CVE-2026-33709)', async () => {
    for (const scheme of ['http', 'https']) {
      const next = `${scheme}://${host()}//other.domain/`;
      const r = await postLogin(
        new CookieClient(t.url),
        'alice',
        'pw',
        `?next=${encodeURIComponent(next)}`,
      );
      assert.equal(r.status, 302);
      assert.equal(r.headers.get('location'), '/other.domain/');
    }
    const plain = await postLogin(
      new CookieClient(t.url),
      'alice',
      'pw',
      `?next=${encodeURIComponent(`http://${host()}/hub/token?a=b`)}`,
    );
    assert.equal(plain.headers.get('location'), '/hub/token?a=b');
    const userinfo = await postLogin(
      new CookieClient(t.url),
      'alice',
      'pw',
      `?next=${encodeURIComponent(`http://${host()}@other.domain/`)}`,
    );
    assert.equal(userinfo.headers.get('location'), LANDING);
  });

  test('next survives the login page: GET form → POST → Location', async () => {
    const c = new CookieClient(t.url);
    const page = await c.fetch(`/hub/login?next=${encodeURIComponent('/hub/token')}`);
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    assert.ok(action, 'form action');
    const actionUrl = action.replace(/&amp;/g, '&');
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(html)![1];
    const r = await c.fetch(new URL(actionUrl, `${t.url}/hub/login`).toString(), {
      method: 'POST',
      body: new URLSearchParams({ username: 'alice', password: 'pw', _xsrf: xsrf }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/hub/token');
  });
});

describe('next is escaped in the login page (GHSA-c4gm-pwx9-9w8j)', () => {
  for (const next of [`/hub/home'><img src=x onerror=alert(1)>`, '/hub/">injected</a><a>']) {
    test(JSON.stringify(next), async () => {
      const c = new CookieClient(t.url);
      const r = await c.fetch(`/hub/login?next=${encodeURIComponent(next)}`);
      const html = await assertHtmlPage(r, 200, 'login with next');
      assert.doesNotMatch(html, /<img src=x/);
      assert.doesNotMatch(html, /">injected<\/a>/);
      assert.doesNotMatch(html, /onerror=alert/);
      // The failed-login page (POST) escapes it too.
      const failed = await postLogin(
        new CookieClient(t.url),
        'alice',
        'wrong',
        `?next=${encodeURIComponent(next)}`,
      );
      const failedHtml = await failed.text();
      assert.doesNotMatch(failedHtml, /<img src=x|">injected<\/a>|onerror=alert/);
      // And it round-trips: after login the browser is sent to that same in-hub path.
      const ok = await postLogin(
        new CookieClient(t.url),
        'alice',
        'pw',
        `?next=${encodeURIComponent(next)}`,
      );
      assert.equal(ok.status, 302);
      const loc = new URL(ok.headers.get('location')!, t.url);
      const want = new URL(next, t.url);
      assert.equal(loc.host, want.host);
      assert.equal(
        decodeURIComponent(loc.pathname + loc.search),
        decodeURIComponent(want.pathname + want.search),
      );
    });
  }
});

describe('logout', () => {
  test('clears the cookies, ends the session, and revokes the OAuth tokens of that session only', async () => {
    const c = await loggedIn(t, 'logoutuser');
    const other = await loggedIn(t, 'logoutuser'); // a second browser of the same person
    await spawnAndWait(t, c, 'logoutuser');
    const env = await serverEnv(t, 'logoutuser');
    const issue = async (browser: CookieClient) => {
      const q = new URLSearchParams({
        client_id: env.JUPYTERHUB_CLIENT_ID,
        redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
        response_type: 'code',
        state: 's',
      });
      const a = await browser.fetch(`/hub/api/oauth2/authorize?${q}`);
      assert.equal(a.status, 302);
      const code = location(a).query.get('code')!;
      const tok = await hubFetch(`${env.JUPYTERHUB_API_URL}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: env.JUPYTERHUB_CLIENT_ID,
          client_secret: env.JUPYTERHUB_API_TOKEN,
          grant_type: 'authorization_code',
          code,
          redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
        }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(tok.status, 200);
      return (await tok.json()).access_token as string;
    };
    const mine = await issue(c);
    const theirs = await issue(other);
    const whoami = (token: string) => hubFetch(`${env.JUPYTERHUB_API_URL}/user`, { token });
    assert.equal((await whoami(mine)).status, 200);

    const r = await c.navigate('/hub/logout');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/hub/login');
    const cleared = setCookies(r);
    for (const [name, path] of [
      ['jupyterhub-hub-login', '/hub/'],
      ['jupyterhub-session-id', '/'],
    ] as const) {
      const ck = cleared.get(name);
      assert.ok(ck, `${name} is cleared`);
      assert.ok(
        ck.value === '' ||
          ck.attrs.some((a) => a.startsWith('expires=thu, 01 jan 1970') || a === 'max-age=0'),
        `${name} expires`,
      );
      assert.ok(ck.attrs.includes(`path=${path}`), `${name} cleared on path ${path}`);
    }
    assert.equal(
      (await whoami(mine)).status,
      403,
      'the OAuth token of the logged-out session stops working',
    );
    assert.equal((await whoami(theirs)).status, 200, 'the other browser session keeps its token');
    assert.equal(
      (await whoami(env.JUPYTERHUB_API_TOKEN)).status,
      200,
      "the server's own token is not a session token",
    );
    const home = await c.fetch('/hub/home');
    assert.equal(home.status, 302);
    assert.match(home.headers.get('location')!, /^\/hub\/login\?next=/);
  });

  test('the plain session id alone cannot end a session (every user server can read it)', async () => {
    const victim = await loggedIn(t, 'victim');
    const sid = victim.jar.get('jupyterhub-session-id');
    assert.ok(sid);
    // Navigations (a logout link), so the request reaches the session logic.
    const nav = { 'Sec-Fetch-Mode': 'navigate' };
    const r = await rawRequest(`${t.url}/hub/logout`, {
      headers: { ...nav, Cookie: `jupyterhub-session-id=${sid}` },
    });
    assert.equal(r.status, 302);
    const forged = await rawRequest(`${t.url}/hub/logout`, {
      headers: {
        ...nav,
        Cookie: `jupyterhub-session-id=${sid}; jupyterhub-hub-login=${sid}.forged`,
      },
    });
    assert.equal(forged.status, 302);
    const home = await victim.fetch('/hub/home');
    assert.equal(home.status, 200, 'the victim is still logged in');
  });

  test('the old login cookie is useless after logout (replayed by an attacker)', async () => {
    const c = await loggedIn(t, 'replay');
    const stolen = c.cookieHeader();
    await c.navigate('/hub/logout');
    const r = await fetch(`${t.url}/hub/home`, { headers: { Cookie: stolen }, redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.match(r.headers.get('location')!, /^\/hub\/login/);
  });
});

describe('huge usernames (CVE-2026-54338)', () => {
  test('a 100 KB username gets 403 (not 500) and the log holds only a short prefix', async () => {
    const mem = memoryLogger();
    const h = await startLoggedHub(mem.log);
    try {
      const huge = 'A'.repeat(100 * 1024);
      const c = new CookieClient(h.url);
      const r = await postLogin(c, huge, 'pw');
      const html = await assertHtmlPage(r, 403, 'huge username');
      assert.ok(
        html.length < 20_000,
        `the page does not echo the whole name (${html.length} bytes)`,
      );
      const again = await postLogin(new CookieClient(h.url), huge + 'B', 'wrong');
      assert.equal(again.status, 403);
      const lines = mem.lines();
      const failure = lines.filter((l) => /Failed login|login refused/.test(l));
      assert.ok(failure.length >= 1, `a failed login is logged: ${lines.slice(-5).join('\n')}`);
      for (const l of lines) {
        const longest = Math.max(0, ...(l.match(/A+/g) ?? []).map((m) => m.length));
        assert.ok(
          longest <= 64,
          `a log line holds ${longest} characters of the username: ${l.slice(0, 200)}…`,
        );
        assert.ok(l.length < 4096, `log line of ${l.length} bytes`);
      }
    } finally {
      await h.stop();
    }
  });
});
