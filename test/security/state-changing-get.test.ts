/**
 * Audit V5 (XSRF-7): page GETs that change state (/hub/spawn starts or creates a server,
 * /hub/logout ends the session) are honoured only for top-level navigations, the rule the API
 * uses since CVE-2026-40864. A page on another origin of the same site can make no-cors,
 * cors or same-origin requests (images, scripts, fetch) that carry the SameSite=Lax cookies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { loggedIn, rawRequest, type RawResponse } from '../integration/support.js';
import type { CookieClient } from '../helpers/cookie-client.js';

let t: TestHub;
let alice: CookieClient;

before(async () => {
  t = await startTestHub({ config: { JupyterHub: { allow_named_servers: true } } });
  alice = await loggedIn(t, 'alice');
});
after(async () => {
  await t?.stop();
});

/** A request with alice's cookies and exactly these fetch-metadata headers. */
function asAlice(path: string, headers: Record<string, string>, method = 'GET') {
  return rawRequest(`${t.url}${path}`, {
    method,
    headers: { Cookie: alice.cookieHeader(), ...headers },
  });
}

async function serverExists(name: string): Promise<boolean> {
  const u = await t.hub.ctx.store.users.byName('alice');
  return !!(await t.hub.ctx.store.servers.get(u!.id, name));
}

function assertRefused(r: RawResponse, where: string): void {
  assert.equal(r.status, 403, `${where}: status ${r.status} ${r.body.slice(0, 200)}`);
  assert.equal(r.headers.location, undefined, `${where}: must not redirect`);
  if (r.body)
    assert.match(r.body, /top-level navigation/, `${where}: the page says why (${r.body.length})`);
}

const NOT_NAVIGATIONS: Array<[string, Record<string, string>]> = [
  ['no-cors from another site', { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Site': 'cross-site' }],
  ['no-cors from the same site', { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Site': 'same-site' }],
  ['cors (fetch)', { 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Site': 'same-site' }],
  ['same-origin fetch', { 'Sec-Fetch-Mode': 'same-origin', 'Sec-Fetch-Site': 'same-origin' }],
  [
    'a speculative prefetch navigation',
    { 'Sec-Fetch-Mode': 'navigate', 'Sec-Purpose': 'prefetch', 'Sec-Fetch-Site': 'same-origin' },
  ],
];

describe('GET /hub/spawn/<user>/<name>', () => {
  test('a request that is not a top-level navigation neither creates nor starts the server', async () => {
    let i = 0;
    for (const [what, headers] of NOT_NAVIGATIONS) {
      const name = `csrf${i++}`;
      assertRefused(await asAlice(`/hub/spawn/alice/${name}`, headers), what);
      assert.equal(await serverExists(name), false, `${what}: server ${name} was created`);
    }
    // HEAD never changes state, whatever it says.
    assertRefused(await asAlice('/hub/spawn/alice/csrfhead', {}, 'HEAD'), 'HEAD');
    assert.equal(await serverExists('csrfhead'), false, 'HEAD created the server');
    // The default server too, and the opt-* form of the URL.
    const noCors = NOT_NAVIGATIONS[0][1];
    assertRefused(await asAlice('/hub/spawn', noCors), 'default server');
    assertRefused(await asAlice('/hub/spawn/alice/csrfopt?opt-x=1', noCors), 'opt-*');
    assert.equal(await serverExists(''), false);
    assert.equal(await serverExists('csrfopt'), false);
  });

  test('a navigation (the link on the home page, or a client without fetch metadata) starts it', async () => {
    const nav = await asAlice('/hub/spawn/alice/viaLink', {
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Site': 'same-origin',
      'Sec-Fetch-Dest': 'document',
    });
    assert.equal(nav.status, 302, nav.body.slice(0, 200));
    assert.match(String(nav.headers.location), /^\/hub\/spawn-pending\/alice\/viaLink/);
    assert.equal(await serverExists('viaLink'), true);
    const old = await asAlice('/hub/spawn/alice/oldClient', {});
    assert.equal(old.status, 302, old.body.slice(0, 200));
    assert.equal(await serverExists('oldClient'), true);
  });
});

describe('GET /hub/logout', () => {
  test('a request that is not a top-level navigation does not end the session', async () => {
    for (const [what, headers] of NOT_NAVIGATIONS) {
      assertRefused(await asAlice('/hub/logout', headers), what);
      const home = await asAlice('/hub/home', { 'Sec-Fetch-Mode': 'navigate' });
      assert.equal(home.status, 200, `${what}: alice was logged out`);
    }
    assertRefused(await asAlice('/hub/logout', {}, 'HEAD'), 'HEAD');
    assert.equal((await asAlice('/hub/home', {})).status, 200, 'HEAD logged alice out');
  });

  test('following the logout link ends the session', async () => {
    const bob = await loggedIn(t, 'bob');
    const r = await bob.navigate('/hub/logout');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/hub/login');
    assert.equal((await bob.navigate('/hub/home')).status, 302, 'bob is logged out');
  });
});
