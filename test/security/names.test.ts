// Security audit 2026-12, V1–V3 at every entry point: no user or server name, however spelled,
// becomes a user, a server or a proxy route outside /user/<that user>/. Each entry point is tried
// with every spelling of test/security/spellings.ts against a real hub (dummy login, stand-in
// server); the configuration keys through the real loader and one real start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { Hub } from '../../src/hub.js';
import { silentLogger } from '../../src/log.js';
import { createInitialAdmin, type NativeAuthenticator } from '../../src/auth/native.js';
import { isHubError } from '../../src/errors.js';
import {
  BAD_SERVER_NAMES,
  BAD_USER_NAMES,
  apiCall,
  assertHubServesLogin,
  assertRoutesSafe,
  rawHttp,
  seg,
} from './spellings.js';

const NO_RATE_LIMIT = { Labhub: { login_rate_limit: { per_user: 1000, per_ip: 1000 } } };

let t: TestHub;
let admin: string;

before(async () => {
  t = await startTestHub({
    config: { JupyterHub: { allow_named_servers: true }, ...NO_RATE_LIMIT },
  });
  admin = await t.token('sec-admin', { admin: true });
});
after(async () => {
  await t?.stop();
});

const show = (n: string) => JSON.stringify(n);

test('login form: every hostile spelling is refused (403) and creates no user and no route', async () => {
  const store = t.hub.ctx.store;
  for (const n of BAD_USER_NAMES) {
    const r = await new CookieClient(t.url).login(n);
    assert.equal(r.status, 403, `login as ${show(n)} answered ${r.status}`);
    assert.equal(await store.users.byName(t.hub.ctx.login.normalize(n)), null, show(n));
  }
  await assertRoutesSafe(t, 'after the logins');
  await assertHubServesLogin(t, 'after the logins');
});

test('REST API: POST /users/{name}, bulk POST /users and a PATCH rename refuse every spelling with 400', async () => {
  const store = t.hub.ctx.store;
  await store.users.ensure('victim');
  for (const n of BAD_USER_NAMES) {
    const one = await apiCall(t, 'POST', `/users/${seg(n)}`, { token: admin, body: {} });
    assert.equal(one.status, 400, `POST /users/${seg(n)}: ${one.status} ${one.text.slice(0, 200)}`);
    assert.match(one.json().message, /Invalid username/);
    const bulk = await apiCall(t, 'POST', '/users', { token: admin, body: { usernames: [n] } });
    assert.equal(bulk.status, 400, `bulk ${show(n)}: ${bulk.status} ${bulk.text.slice(0, 200)}`);
    const ren = await apiCall(t, 'PATCH', '/users/victim', { token: admin, body: { name: n } });
    assert.equal(ren.status, 400, `rename to ${show(n)}: ${ren.status} ${ren.text.slice(0, 200)}`);
    assert.equal(await store.users.byName(t.hub.ctx.login.normalize(n)), null, show(n));
  }
  assert.ok(await store.users.byName('victim'), 'the rename target is unchanged');
  await assertRoutesSafe(t, 'after the API calls');
});

test('REST API: a user row from before the name rules is never started nor routed (400 that says why)', async () => {
  const store = t.hub.ctx.store;
  for (const n of BAD_USER_NAMES) {
    // Written directly, as an older labhub would have.
    const u = (await store.users.byName(n)) ?? (await store.users.create(n));
    const r = await apiCall(t, 'POST', `/users/${seg(n)}/server`, { token: admin, body: {} });
    assert.equal(r.status, 400, `start for ${show(n)}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.match(r.json().message, /Cannot start a server for .*the username/);
    const rec = await store.servers.get(u.id, '');
    assert.ok(!rec || rec.status === 'stopped', `${show(n)} has a ${rec?.status} server`);
  }
  await assertRoutesSafe(t, 'after the starts');
  await assertHubServesLogin(t, 'after the starts');
});

test('named servers: POST, PUT and PATCH rename through the API refuse every spelling with 400', async () => {
  const store = t.hub.ctx.store;
  const alice = await store.users.ensure('alice');
  const put = await apiCall(t, 'PUT', '/users/alice/servers/nb', { token: admin, body: {} });
  assert.equal(put.status, 201, put.text);
  for (const n of BAD_SERVER_NAMES) {
    const path = `/users/alice/servers/${seg(n)}`;
    for (const method of ['POST', 'PUT']) {
      const r = await apiCall(t, method, path, { token: admin, body: {} });
      assert.equal(r.status, 400, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.match(r.json().message, /Invalid server name/);
    }
    const ren = await apiCall(t, 'PATCH', '/users/alice/servers/nb', {
      token: admin,
      body: { name: n },
    });
    assert.equal(ren.status, 400, `rename to ${show(n)}: ${ren.status} ${ren.text.slice(0, 200)}`);
  }
  const names = (await store.servers.forUser(alice.id)).map((s) => s.name).sort();
  assert.deepEqual(names, ['nb'], 'only the valid named server exists');
  await assertRoutesSafe(t, 'after the named-server calls');
});

test('named servers: GET /hub/spawn/<user>/<name> refuses every spelling with a 400 page and starts nothing', async () => {
  const store = t.hub.ctx.store;
  const c = new CookieClient(t.url);
  assert.equal((await c.login('bob')).status, 302);
  const bob = (await store.users.byName('bob'))!;
  for (const n of BAD_SERVER_NAMES) {
    const path = `/hub/spawn/bob/${seg(n)}`;
    const r = await rawHttp(t.url, 'GET', path, { headers: { Cookie: c.cookieHeader() } });
    assert.equal(r.status, 400, `${path}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(r.text, /Invalid server name/);
  }
  assert.deepEqual(await store.servers.forUser(bob.id), [], 'no server record was created');
  await assertRoutesSafe(t, 'after the spawn pages');
});

test('native sign-up refuses every spelling, through the page and through the authenticator itself', async () => {
  const n2 = await startTestHub({
    config: {
      JupyterHub: { authenticator_class: 'native' },
      NativeAuthenticator: { open_signup: true },
      Authenticator: { allow_all: true },
      ...NO_RATE_LIMIT,
    },
  });
  try {
    const accounts = n2.hub.ctx.store.nativeAccounts;
    const native = n2.hub.ctx.login.authenticator as NativeAuthenticator;
    for (const n of BAD_USER_NAMES) {
      const c = new CookieClient(n2.url);
      const xsrf = await c.xsrf('/hub/signup');
      const body = new URLSearchParams({
        username: n,
        password: 'long-enough-pw-1',
        password_confirm: 'long-enough-pw-1',
        _xsrf: xsrf,
      });
      const r = await c.fetch('/hub/signup', {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(r.status, 400, `sign-up as ${show(n)} answered ${r.status}`);
      await assert.rejects(
        native.signup({ username: n, password: 'long-enough-pw-1' }),
        (e: unknown) => isHubError(e) && e.status === 400,
        `signup(${show(n)}) in the authenticator`,
      );
      await assert.rejects(createInitialAdmin(accounts, n), isHubError, `--admin ${show(n)}`);
      assert.equal(await accounts.get(n2.hub.ctx.login.normalize(n)), null, show(n));
    }
    assert.deepEqual(await accounts.list(), [], 'no native account was stored');
  } finally {
    await n2.stop();
  }
});

test('configuration: admin_users, load_groups, load_roles and services with a hostile name fail naming the key and the name', () => {
  const load = (overrides: Record<string, Record<string, unknown>>) => () =>
    loadConfig({ cwd: t.dir, overrides });
  const refused = (fn: () => unknown, key: RegExp, name: string) =>
    assert.throws(
      fn,
      (e: unknown) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_CONFIG' &&
        key.test(e.userMessage) &&
        e.userMessage.includes(JSON.stringify(name)),
      `${key} with ${show(name)}`,
    );
  for (const n of BAD_USER_NAMES) {
    refused(load({ Authenticator: { admin_users: [n] } }), /Authenticator\.admin_users/, n);
    refused(
      load({ JupyterHub: { load_groups: { g: { users: ['ok', n] } } } }),
      /JupyterHub\.load_groups\["g"\]\.users/,
      n,
    );
    refused(
      load({ JupyterHub: { load_roles: [{ name: 'r', scopes: ['self'], users: [n] }] } }),
      /JupyterHub\.load_roles\["r"\]\.users/,
      n,
    );
  }
  for (const n of [...BAD_SERVER_NAMES, '..', '.'])
    refused(
      load({ JupyterHub: { services: [{ name: n, url: 'http://127.0.0.1:1' }] } }),
      /JupyterHub\.services\[0\]\.name/,
      n,
    );
  // The renamed key is checked under its new name.
  refused(load({ JupyterHub: { admin_users: ['..'] } }), /Authenticator\.admin_users/, '..');
  // Names that are fine stay fine.
  loadConfig({
    cwd: t.dir,
    overrides: {
      Authenticator: { admin_users: ['first.last', 'a@b.org'] },
      JupyterHub: { load_groups: { g: { users: ['jürgen'] } } },
    },
  });
});

test('configuration: a hub whose config file has admin_users [".."] does not start, and names the key, the line and the name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-sec-'));
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  let hub: Hub | null = null;
  try {
    const file = join(dir, 'labhub.yaml');
    // Ports of its own: without the fix this hub would start, and must not take 8000/8001.
    writeFileSync(
      file,
      [
        `JupyterHub: { ip: 127.0.0.1, port: ${port}, hub_port: ${hubPort}, authenticator_class: dummy }`,
        `ConfigurableHTTPProxy: { api_url: "http://127.0.0.1:${apiPort}" }`,
        'Authenticator:',
        '  admin_users:',
        '    - alice',
        '    - ".."',
        '',
      ].join('\n'),
    );
    hub = new Hub({ configFile: file, cwd: dir, log: silentLogger() });
    await assert.rejects(
      hub.start().then(() => 'started'),
      (e: unknown) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_CONFIG' &&
        /Authenticator\.admin_users \([^)]*labhub\.yaml:4\)/.test(e.userMessage) &&
        e.userMessage.includes('".."'),
    );
    hub = null;
  } finally {
    await hub?.stop({ proxy: true, servers: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
