// The reproductions of the December 2026 audit (shared/reference/security-audit-2026-12.md),
// V1 (PATH-1), V2 (PATH-2) and V3 (PATH-3), run as the auditor ran them against a real hub with
// the dummy login and a stand-in single-user server; plus user rows from before the name rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { loggedIn, memoryLogger, spawnAndWait, waitFor } from '../integration/support.js';
import { apiCall, assertHubServesLogin, assertRoutesSafe, routeTable, seg } from './spellings.js';

/** Try what the audit did: log in as `name` and spawn; wait until that spawn has settled. */
async function loginAndSpawn(t: TestHub, name: string): Promise<number> {
  const c = new CookieClient(t.url);
  const login = await c.login(name);
  if (login.status === 302) await c.navigate('/hub/spawn'); // a spawn link, as a browser follows it
  await settled(t, name);
  return login.status;
}

/** Create `name` through the admin API and start its server, as the audit did. */
async function createAndStartByApi(t: TestHub, admin: string, name: string): Promise<number> {
  const created = await apiCall(t, 'POST', '/users', { token: admin, body: { usernames: [name] } });
  if (created.status === 201)
    await apiCall(t, 'POST', `/users/${seg(name)}/server`, { token: admin, body: {} });
  await settled(t, name);
  return created.status;
}

/** Wait until `name` has no server that is still starting. */
async function settled(t: TestHub, name: string): Promise<void> {
  const store = t.hub.ctx.store;
  await waitFor(`the server of ${JSON.stringify(name)} to settle`, async () => {
    const u = await store.users.byName(name);
    const rec = u && (await store.servers.get(u.id, ''));
    return !rec || rec.status !== 'spawning';
  });
}

/** A request for another user's server reaches the hub (never some user's process). */
async function assertHubAnswers(t: TestHub, path: string, where: string): Promise<void> {
  const r = await fetch(`${t.url}${path}`, { redirect: 'manual' });
  await r.arrayBuffer();
  assert.ok(
    r.headers.get('x-jupyterhub-version'),
    `${where}: GET ${path} was answered by something other than the hub (status ${r.status})`,
  );
}

test('V1: a user named ".." never gets the proxy route "/" (login + spawn, or admin API), and /hub/login stays the hub\'s', async () => {
  const t = await startTestHub();
  try {
    const alice = await loggedIn(t, 'alice');
    const loginStatus = await loginAndSpawn(t, '..');
    await assertRoutesSafe(t, 'after login and spawn as ".."');
    await assertHubServesLogin(t, 'after login and spawn as ".."');
    const home = await alice.fetch('/hub/home');
    assert.ok(home.headers.get('x-jupyterhub-version'), "alice's /hub/home is the hub's");
    assert.equal(loginStatus, 403, 'the login as ".." is refused');

    const admin = await t.token('sec-admin', { admin: true });
    const created = await createAndStartByApi(t, admin, '..');
    await assertRoutesSafe(t, 'after POST /users [".."] and POST /users/%2E%2E/server');
    await assertHubServesLogin(t, 'after the admin API path');
    assert.equal(created, 400, 'the admin API refuses to create ".."');
  } finally {
    await t.stop();
  }
});

test('V2: stopping or deleting the server of a user named ".." (a row from before the rules) never removes the hub route', async () => {
  const t = await startTestHub();
  try {
    const admin = await t.token('sec-admin', { admin: true });
    const store = t.hub.ctx.store;
    for (const name of ['..', '.', '%2e%2e', '\uff0e\uff0e']) {
      const u = await store.users.create(name);
      const rec = await store.servers.ensure(u.id, '');
      await store.servers.update(rec.id, { status: 'running', target: 'http://127.0.0.1:9' });
      const stop = await apiCall(t, 'DELETE', `/users/${seg(name)}/server`, { token: admin });
      assert.ok([202, 204].includes(stop.status), `stop ${name}: ${stop.status} ${stop.text}`);
      await assertRoutesSafe(t, `after stopping the server of ${JSON.stringify(name)}`);
      await assertHubServesLogin(t, `after stopping the server of ${JSON.stringify(name)}`);
      await store.servers.update(rec.id, { status: 'running', target: 'http://127.0.0.1:9' });
      const del = await apiCall(t, 'DELETE', `/users/${seg(name)}`, { token: admin });
      assert.equal(del.status, 204, `delete ${name}: ${del.text}`);
      await assertRoutesSafe(t, `after deleting user ${JSON.stringify(name)}`);
      await assertHubServesLogin(t, `after deleting user ${JSON.stringify(name)}`);
    }
  } finally {
    await t.stop();
  }
});

test("V2: a hub route deleted or replaced behind the hub's back comes back at the next proxy check, while user routes exist", async () => {
  const t = await startTestHub({
    config: { ConfigurableHTTPProxy: { check_running_interval: 1 } },
  });
  try {
    const alice = await loggedIn(t, 'alice');
    await spawnAndWait(t, alice, 'alice');
    const proxyApi = (method: string, body?: unknown) =>
      fetch(`${t.proxyApiUrl}/api/routes/`, {
        method,
        headers: { Authorization: `token ${t.proxyToken}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const aliceTarget = (await routeTable(t))['/user/alice']!.target;

    assert.equal((await proxyApi('DELETE')).status, 204, 'the hub route was there and is deleted');
    await waitFor('the hub route to come back', async () => (await routeTable(t))['/']?.hub);
    await assertRoutesSafe(t, 'after the deleted hub route came back');
    await assertHubServesLogin(t, 'after the deleted hub route came back');

    // Replaced by a user's process (what V1 did): the check puts the hub back too.
    assert.equal(
      (await proxyApi('POST', { target: aliceTarget, user: '..', jupyterhub: true })).status,
      201,
    );
    await waitFor('the hub route to be the hub again', async () => (await routeTable(t))['/']?.hub);
    await assertRoutesSafe(t, 'after the replaced hub route came back');
    await assertHubServesLogin(t, 'after the replaced hub route came back');
    assert.ok((await routeTable(t))['/user/alice'], "alice's route is untouched");
  } finally {
    await t.stop();
  }
});

test('V3: a user named "." never captures /user/<someone else>/ (login + spawn, or admin API)', async () => {
  const t = await startTestHub();
  try {
    await t.hub.ctx.store.users.ensure('carol');
    const loginStatus = await loginAndSpawn(t, '.');
    await assertHubAnswers(t, '/user/carol/lab', 'after login and spawn as "."');
    await assertRoutesSafe(t, 'after login and spawn as "."');
    assert.equal(loginStatus, 403, 'the login as "." is refused');

    const admin = await t.token('sec-admin', { admin: true });
    const created = await createAndStartByApi(t, admin, '.');
    await assertHubAnswers(t, '/user/carol/lab', 'after the admin API path');
    await assertRoutesSafe(t, 'after POST /users ["."] and POST /users/%2E/server');
    assert.equal(created, 400, 'the admin API refuses to create "."');
  } finally {
    await t.stop();
  }
});

test('V3: after an upgrade, a running server of a user named "." is never routed, its old route goes, and the log says why', async () => {
  const mem = memoryLogger();
  const t = await startTestHub({ logger: mem.log });
  try {
    const store = t.hub.ctx.store;
    await store.users.ensure('carol');
    // What an older hub left behind: the row of a running server and its route "/user".
    const dot = await store.users.create('.');
    const rec = await store.servers.ensure(dot.id, '');
    await store.servers.update(rec.id, { status: 'running', target: t.hubUrl });
    const stale = await fetch(`${t.proxyApiUrl}/api/routes/user`, {
      method: 'POST',
      headers: { Authorization: `token ${t.proxyToken}` },
      body: JSON.stringify({ target: t.hubUrl, user: '.', server_name: '', jupyterhub: true }),
    });
    assert.equal(stale.status, 201);

    await t.restart();
    const routes = await routeTable(t);
    assert.equal(routes['/user'], undefined, `the stale route is gone: ${JSON.stringify(routes)}`);
    await assertRoutesSafe(t, 'after the restart');
    await assertHubAnswers(t, '/user/carol/lab', 'after the restart');
    assert.ok(
      mem.lines().some((l) => /never routed/.test(l) && l.includes('\\".\\"')),
      'the log says why the server of "." is not routed',
    );
    assert.equal((await t.hub.ctx.store.servers.get(dot.id, ''))?.status, 'stopped');
  } finally {
    await t.stop();
  }
});
