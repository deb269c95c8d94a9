// An unchanged ldapauthenticator jupyterhub_config.py (test/auth/fixtures/ldap) run by a real hub
// in this process against a real slapd (slapd.ts): a member of an allowed LDAP group logs in
// through the hub's login page (HTTP form post, as a browser does) and their server starts; a
// user outside the groups and a wrong password get the login page's refusal; with the directory
// down the page says so (503). Only the LDAP
// server's address, port and CA file, the hub's ports and files and the server command (the
// fake single-user server) are moved.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hub } from '../../../src/hub.js';
import { loadConfig } from '../../../src/config/index.js';
import { CookieClient } from '../../helpers/cookie-client.js';
import { freePort } from '../../helpers/ports.js';
import { FAKE_SERVER, ROOT, hubFetch } from '../../helpers/test-hub.js';
import { memoryLogger } from '../../integration/support.js';
import { PASSWORDS, startSlapd } from './slapd.js';

const slapd = await startSlapd({ tls: true });
after(() => slapd.stop());

test('an unchanged LDAPAuthenticator jupyterhub_config.py: group members log in through /hub/login and their server starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-ldap-hub-'));
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const mem = memoryLogger();
  const loaded = loadConfig({
    file: join(ROOT, 'test/auth/fixtures/ldap/jupyterhub_config.py'),
    cwd: dir,
    overrides: {
      JupyterHub: {
        ip: '127.0.0.1',
        port,
        hub_port: hubPort,
        db_url: `sqlite:///${join(dir, 'hub.sqlite')}`,
        cookie_secret_file: join(dir, 'cookie_secret'),
      },
      ConfigurableHTTPProxy: {
        api_url: `http://127.0.0.1:${apiPort}`,
        pid_file: join(dir, 'proxy.pid'),
      },
      LDAPAuthenticator: {
        server_address: slapd.host,
        server_port: slapd.port,
        tls_kwargs: { ca_certs_file: slapd.caFile },
      },
      Spawner: { cmd: [process.execPath, FAKE_SERVER], http_timeout: 10 },
      LocalProcessSpawner: { run_as_user: 'self' },
      Labhub: { server_log_dir: join(dir, 'server-logs') },
    },
  });
  assert.deepEqual(
    loaded.warnings.filter((w) => w.key?.startsWith('LDAPAuthenticator')),
    [],
    'no LDAPAuthenticator key is unknown or unsupported',
  );
  const hub = new Hub({ loaded, log: mem.log, cwd: dir });
  try {
    await hub.start();
    const url = `http://127.0.0.1:${port}`;
    const info = await (await fetch(`${url}/hub/api/`)).json();
    assert.ok(info.version, 'the hub answers');

    // carol has an LDAP account but is in none of allowed_groups; bob's password is wrong.
    for (const [user, pw] of [
      ['carol', PASSWORDS.carol!],
      ['bob', 'not-bobs-password'],
    ] as const) {
      const r = await new CookieClient(url).login(user, pw);
      assert.equal(r.status, 403, `${user} is refused`);
      assert.match(await r.text(), /Invalid username or password/);
    }
    const logText = mem.lines().join('\n');
    assert.match(logText, /none of allowed_groups/, 'the log says why carol was refused');
    assert.match(logText, /LDAP: login refused for \\"bob\\": no bind succeeded/);

    // bob is in the posixGroup (memberUid); alice (an admin) in the groupOfNames.
    for (const user of ['bob', 'alice']) {
      const c = new CookieClient(url);
      const r = await c.login(user, PASSWORDS[user]!);
      assert.equal(r.status, 302, `${user} logs in`);
      assert.equal((await c.navigate('/hub/spawn')).status, 302);
      const token = await hub.ctx.store.tokens
        .create({
          userId: (await hub.ctx.store.users.byName(user))!.id,
          scopes: ['inherit'],
          note: 'test',
        })
        .then((x) => x.token);
      let model: {
        admin?: boolean;
        servers?: Record<string, { ready?: boolean }>;
        auth_state?: unknown;
      } = {};
      for (let i = 0; i < 300 && model.servers?.['']?.ready !== true; i++) {
        model = await (await hubFetch(`${url}/hub/api/users/${user}`, { token })).json();
        if (model.servers?.['']?.ready !== true) await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(model.servers?.['']?.ready, true, `${user}'s server is ready`);
      const echo = await fetch(`${url}/user/${user}/api/echo`);
      assert.equal(echo.status, 200, `${user}'s server answers through the proxy`);
      assert.equal(model.admin, user === 'alice', 'admin_users from the file');
    }

    // The directory goes away: the page says the login service is unavailable (503), not
    // "invalid password", and the log names the server and LABHUB_ERR_LDAP.
    await slapd.stop({ keepFiles: true });
    const down = await new CookieClient(url).login('alice', PASSWORDS.alice!);
    assert.equal(down.status, 503);
    assert.match(await down.text(), /directory server could not be reached/);
    assert.match(mem.lines().join('\n'), /LABHUB_ERR_LDAP.*StartTLS failed/);
  } finally {
    await hub.stop({ servers: true, proxy: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
