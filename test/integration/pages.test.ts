/**
 * Hub pages over real sockets: redirects into /hub/, the 424 "not running" page (HTML and JSON),
 * another user's server, spawn failures reported within seconds (progress stream, spawn-pending
 * page), a missing command, and error pages (no stack traces; a 500 shows an error id that is
 * also in the log).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieClient } from '../helpers/cookie-client.js';
import { Hub } from '../../src/hub.js';
import { loadConfig } from '../../src/config/index.js';
import { isHubError } from '../../src/errors.js';
import { hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import {
  assertHtmlPage,
  assertNoStack,
  location,
  loggedIn,
  memoryLogger,
  spawnAndWait,
  startLoggedHub,
} from './support.js';

let t: TestHub;
let alice: CookieClient;

before(async () => {
  t = await startTestHub({ config: { JupyterHub: { allow_named_servers: true } } });
  alice = await loggedIn(t, 'alice');
  await loggedIn(t, 'bob'); // bob exists, with a stopped server
});
after(async () => {
  await t?.stop();
});

/** Read a server-sent event stream to its end; returns the parsed `data:` events. */
async function readEvents(res: Response): Promise<Array<Record<string, unknown>>> {
  assert.equal(res.status, 200, `progress stream: ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((b) => b.startsWith('data: '))
    .map((b) => JSON.parse(b.slice('data: '.length)));
}

describe('requests outside /hub/ that reach the hub', () => {
  test('GET / and /user/<name>/... → 302 to the same path under /hub/', async () => {
    const anon = new CookieClient(t.url);
    const root = await anon.fetch('/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/hub/');
    const user = await anon.fetch('/user/x/lab/tree?a=1&b=2');
    assert.equal(user.status, 302);
    assert.equal(user.headers.get('location'), '/hub/user/x/lab/tree?a=1&b=2');
    const noSlash = await anon.fetch('/user/x');
    assert.equal(noSlash.status, 301);
    assert.equal(noSlash.headers.get('location'), '/user/x/');
    const hub = await anon.fetch('/hub');
    assert.equal(hub.status, 301);
    assert.equal(hub.headers.get('location'), '/hub/');
  });

  test('/hub/ sends an anonymous visitor to login, a logged-in one to spawn', async () => {
    const anon = await new CookieClient(t.url).fetch('/hub/');
    assert.equal(anon.status, 302);
    assert.equal(anon.headers.get('location'), '/hub/login?next=%2Fhub%2F');
    const me = await alice.fetch('/hub/');
    assert.equal(me.status, 302);
    assert.equal(me.headers.get('location'), '/hub/spawn');
  });

  test('anonymous page POSTs are refused (403), GETs go to login', async () => {
    const anon = new CookieClient(t.url);
    for (const path of ['/hub/spawn', '/hub/spawn/alice']) {
      const r = await anon.fetch(path, {
        method: 'POST',
        body: '',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(r.status, 403, path);
      assert.equal(r.headers.get('location'), null);
    }
    const home = await anon.fetch('/hub/home');
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), '/hub/login?next=%2Fhub%2Fhome');
  });

  test('a POST outside /hub/ is not redirected', async () => {
    const r = await new CookieClient(t.url).fetch('/user/x/api/contents', {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.ok(r.status >= 400 && r.status < 500, `POST /user/x/...: ${r.status}`);
    assert.equal(r.headers.get('location'), null);
  });
});

describe('/hub/user/<name>/... for a stopped server', () => {
  test('anonymous → login with next', async () => {
    const r = await new CookieClient(t.url).fetch('/hub/user/alice/lab');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/hub/login?next=%2Fhub%2Fuser%2Falice%2Flab');
  });

  test('owner → 424 page with a link that spawns and comes back', async () => {
    const r = await alice.fetch('/hub/user/alice/lab?reset');
    const html = await assertHtmlPage(r, 424, '424 page');
    const href = /id="launch" href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(href, 'a launch link');
    const u = new URL(href, t.url);
    assert.equal(u.pathname, '/hub/spawn/alice');
    assert.equal(u.searchParams.get('next'), '/hub/user/alice/lab?reset');
  });

  test('API-looking requests → 424 JSON naming the path and the spawn URL', async () => {
    const token = await t.token('alice');
    for (const [path, headers] of [
      ['/hub/user/alice/api/contents/x.ipynb', {}],
      ['/hub/user/alice/lab', { Accept: 'application/json' }],
    ] as const) {
      const r = await hubFetch(`${t.url}${path}`, { token, headers });
      assert.equal(r.status, 424, path);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      const body = await r.json();
      assert.equal(body.status, 424);
      assert.match(body.message, /no longer running/);
      assert.match(body.message, /\/hub\/spawn\/alice/);
    }
  });

  test('POST with a token → 424 JSON; with only a cookie and no _xsrf → 403', async () => {
    const token = await t.token('alice');
    const r = await hubFetch(`${t.url}/hub/user/alice/api/sessions`, {
      method: 'POST',
      token,
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 424);
    const c = await alice.fetch('/hub/user/alice/api/sessions', {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(c.status, 403);
  });

  test("another user's server (or a user that does not exist) → 404, the same page", async () => {
    const bobs = await assertHtmlPage(
      await alice.fetch('/hub/user/bob/lab'),
      404,
      "bob's server as alice",
    );
    const nobody = await assertHtmlPage(
      await alice.fetch('/hub/user/nobody/lab'),
      404,
      'unknown user',
    );
    const strip = (h: string) =>
      h.replace(/bob|nobody/g, 'X').replace(/content="[^"]*"|value="[^"]*"/g, '');
    assert.equal(strip(bobs), strip(nobody), 'no way to tell whether a user exists');
  });

  test('a running server → 302 back to /user/... counting redirects', async () => {
    await spawnAndWait(t, alice, 'alice');
    try {
      const r = await alice.fetch('/hub/user/alice/lab?x=1');
      assert.equal(r.status, 302);
      const loc = location(r);
      assert.equal(loc.path, '/user/alice/lab');
      assert.equal(loc.query.get('x'), '1');
      assert.equal(loc.query.get('redirects'), '1');
      // /hub/spawn and /hub/spawn-pending of a running server follow only an in-hub next.
      for (const page of ['/hub/spawn', '/hub/spawn-pending/alice']) {
        const good = await alice.fetch(`${page}?next=${encodeURIComponent('/user/alice/tree')}`);
        assert.equal(good.status, 302);
        assert.equal(good.headers.get('location'), '/user/alice/tree');
        for (const evil of ['https://other.domain/', '//other.domain/', '/\t/other.domain']) {
          const bad = await alice.fetch(`${page}?next=${encodeURIComponent(evil)}`);
          assert.equal(bad.status, 302);
          assert.equal(bad.headers.get('location'), '/user/alice/', `${page} with next=${evil}`);
        }
      }
      // A loop (the proxy keeps sending it back) ends with an explanation, not forever.
      const loop = await alice.fetch('/hub/user/alice/lab?redirects=4');
      const html = await assertHtmlPage(loop, 500, 'redirect loop');
      assert.match(html, /Redirect loop/);
    } finally {
      const admin = await t.token('root', { admin: true });
      await hubFetch(`${t.api}/users/alice/server`, { method: 'DELETE', token: admin });
    }
  });
});

describe('error pages', () => {
  test('404 page: HTML, no stack trace', async () => {
    const html = await assertHtmlPage(await alice.fetch('/hub/no/such/page'), 404, '404');
    assert.match(html, /404/);
    const post = await hubFetch(`${t.api}/no/such/endpoint`, {
      method: 'POST',
      token: await t.token('alice'),
    });
    assert.equal(post.status, 404);
    assert.deepEqual(Object.keys(await post.json()).sort(), ['code', 'message', 'status']);
  });

  test('GET of an unknown /hub/api/ path → 404 JSON', async () => {
    for (const path of ['/no/such/endpoint', '/users/alice/nope']) {
      const api = await hubFetch(`${t.api}${path}`, { token: await t.token('alice') });
      assert.equal(api.status, 404);
      assert.match(api.headers.get('content-type') ?? '', /^application\/json/, path);
      assert.deepEqual(Object.keys(await api.json()).sort(), ['code', 'message', 'status']);
    }
  });

  test('malformed input is a 4xx, not a 500', async () => {
    const token = await t.token('alice');
    const bad = await hubFetch(`${t.api}/users/alice/activity`, {
      method: 'POST',
      token,
      body: '{not json',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    assertNoStack(await bad.text(), 'bad JSON');
    const badPct = await alice.fetch('/hub/user/alice/%E0%A4%A');
    assert.ok(badPct.status < 500, `bad percent-encoding: ${badPct.status}`);
    assertNoStack(await badPct.text(), 'bad percent-encoding');
  });

  test('an escaped percent sign in a /hub/user/ path is not a 500', async () => {
    const r = await alice.fetch('/hub/user/alice/%25E0/lab');
    assert.ok(r.status < 500, `/hub/user/alice/%25E0/lab: ${r.status}`);
  });
});

describe('spawn failures', () => {
  let dir: string;
  let mem: ReturnType<typeof memoryLogger>;
  let h: Awaited<ReturnType<typeof startLoggedHub>>;
  const REASON = 'labhub-test: cannot start, the disk quota <is> exhausted';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'labhub-fail-'));
    const script = join(dir, 'fail-server.sh');
    writeFileSync(script, `#!/bin/sh\necho 'starting up'\necho '${REASON}' >&2\nexit 3\n`);
    chmodSync(script, 0o755);
    mem = memoryLogger();
    // Long timeouts: the failure must be noticed because the process exited, not by a timeout
    // (the test's own timeout would fire first).
    h = await startLoggedHub(mem.log, {
      Spawner: { cmd: [script], start_timeout: 600, http_timeout: 600 },
    });
  });
  after(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(
    'the reason reaches the progress stream and the spawn-pending page',
    { timeout: 30_000 },
    async () => {
      const c = new CookieClient(h.url);
      assert.equal((await c.login('failer')).status, 302);
      const xsrf = await c.xsrf('/hub/home');
      const spawn = await c.navigate('/hub/spawn');
      assert.equal(spawn.status, 302);
      assert.match(spawn.headers.get('location')!, /^\/hub\/spawn-pending\/failer/);

      const events = await readEvents(
        await c.fetch(`/hub/api/users/failer/server/progress?_xsrf=${encodeURIComponent(xsrf)}`),
      );
      const last = events.at(-1)!;
      assert.equal(last.failed, true, `events: ${JSON.stringify(events)}`);
      assert.equal(last.ready, undefined);
      assert.match(String(last.message), /^Spawn failed: /);
      assert.match(String(last.message), /status 3/);
      assert.ok(
        String(last.message).includes(REASON),
        `the message carries the server's own words: ${last.message}`,
      );
      assert.equal(
        events.filter((e) => e.failed || e.ready).length,
        1,
        'exactly one terminal event',
      );

      const pending = await c.fetch('/hub/spawn-pending/failer');
      const html = await assertHtmlPage(pending, 500, 'spawn-pending after failure');
      assert.ok(
        html.includes('labhub-test: cannot start, the disk quota &lt;is&gt; exhausted'),
        'the reason is on the page, escaped',
      );
      assert.doesNotMatch(html, /<is>/);
      const launch = /id="launch" href="([^"]+)"/.exec(html)?.[1];
      assert.ok(launch?.startsWith('/hub/spawn/failer'), 'the page offers to try again');

      const userRoute = await assertHtmlPage(
        await c.fetch('/hub/user/failer/lab'),
        424,
        '/hub/user after failure',
      );
      assert.ok(userRoute.includes('the disk quota &lt;is&gt; exhausted'));

      // The progress stream still reports the failure afterwards (a page reloaded late).
      const replay = await readEvents(
        await c.fetch(`/hub/api/users/failer/server/progress?_xsrf=${encodeURIComponent(xsrf)}`),
      );
      assert.equal(replay.at(-1)!.failed, true);
    },
  );

  test('a 500 shows an error id that is also in the log, and no internals', async () => {
    const c = new CookieClient(h.url);
    await c.login('erruser');
    const servers = h.hub.ctx.store.servers;
    const original = servers.forUser;
    // Fault injection: the database fails with an error whose text must not reach the user.
    servers.forUser = async () => {
      throw new Error('SQLITE_CORRUPT at /secret/path/hub.sqlite');
    };
    try {
      const r = await c.fetch('/hub/home');
      const html = await assertHtmlPage(r, 500, 'injected 500');
      assert.doesNotMatch(html, /SQLITE_CORRUPT|\/secret\/path/);
      const id = /id="error-id">([^<]+)</.exec(html)?.[1];
      assert.ok(id && /^[0-9a-f]{8,}$/.test(id), 'the page shows an error id');
      assert.ok(
        mem.lines().some((l) => l.includes(id) && l.includes('SQLITE_CORRUPT')),
        'the log has the id and the details',
      );

      const token = (
        await h.hub.ctx.store.tokens.create({
          userId: (await h.hub.ctx.store.users.byName('erruser'))!.id,
          scopes: ['inherit'],
        })
      ).token;
      const api = await hubFetch(`${h.url}/hub/api/users/erruser`, { token });
      assert.equal(api.status, 500);
      const body = await api.json();
      assert.equal(body.status, 500);
      assert.match(body.error_id, /^[0-9a-f]{8,}$/);
      assert.ok(String(body.message).includes(body.error_id));
      assert.doesNotMatch(JSON.stringify(body), /SQLITE_CORRUPT|\/secret\/path|stack/);
    } finally {
      servers.forUser = original;
    }
  });
});

describe('a missing command', () => {
  test('fails at once with a message naming the command', { timeout: 30_000 }, async () => {
    const h = await startTestHub({
      config: {
        Spawner: {
          cmd: ['/nonexistent/labhub-test/jupyterhub-singleuser'],
          start_timeout: 600,
          http_timeout: 600,
        },
      },
    });
    try {
      const c = await loggedIn(h, 'nocmd');
      const xsrf = await c.xsrf('/hub/home');
      const spawn = await c.navigate('/hub/spawn');
      assert.equal(spawn.status, 302);
      const events = await readEvents(
        await c.fetch(`/hub/api/users/nocmd/server/progress?_xsrf=${encodeURIComponent(xsrf)}`),
      );
      const last = events.at(-1)!;
      assert.equal(last.failed, true, JSON.stringify(events));
      assert.ok(
        String(last.message).includes('/nonexistent/labhub-test/jupyterhub-singleuser'),
        `names the command: ${last.message}`,
      );
      assert.match(String(last.message), /does not exist|not found/);
      assert.match(String(last.message), /Spawner\.cmd/, 'says what to fix');
      const html = await assertHtmlPage(
        await c.fetch('/hub/spawn-pending/nocmd'),
        500,
        'spawn-pending',
      );
      assert.ok(html.includes('/nonexistent/labhub-test/jupyterhub-singleuser'));
      // The API start call answers with the reason too.
      const token = await h.token('nocmd');
      const start = await hubFetch(`${h.api}/users/nocmd/server`, { method: 'POST', token });
      assert.ok(start.status === 500 || start.status === 202, `start: ${start.status}`);
      if (start.status === 500) assert.match((await start.json()).message, /nonexistent/);
    } finally {
      await h.stop();
    }
  });
});

describe('cookie secret file', () => {
  test('the hub makes a group/world-readable secret file 0600 before anything else, and warns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labhub-secret-'));
    try {
      const file = join(dir, 'cookie_secret');
      writeFileSync(file, 'ab'.repeat(32) + '\n');
      chmodSync(file, 0o644);
      const { log, lines } = memoryLogger();
      const hub = new Hub({
        loaded: loadConfig({
          cwd: dir,
          overrides: {
            JupyterHub: {
              authenticator_class: 'dummy',
              cookie_secret_file: file,
              // Start stops at the database, right after the cookie secret.
              db_url: 'mysql://unsupported',
            },
            DummyAuthenticator: { password: 'pw' },
          },
        }),
        log,
        cwd: dir,
      });
      await assert.rejects(hub.start(), (e) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const warning = lines()
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .find((l) => l.msg.includes(file));
      assert.equal(warning?.level, 40, 'a warning');
      assert.match(warning.msg, /mode 644\); changed it to 600/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
