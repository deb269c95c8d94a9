// Secrets at rest (audit V4, SECRET-3): under PAM every hub user has a shell on the machine, so
// no file or process argument the hub leaves behind may give another local account a credential.
// A real hub runs as root under umask 022; the unprivileged account nobody then tries to read
// what it wrote. Needs root and the built CLI (`npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CookieClient } from '../helpers/cookie-client.js';
import { ROOT } from '../helpers/test-hub.js';
import {
  asNobody,
  cleanup,
  needsRoot,
  openDir,
  proxyPid,
  proxyTokenOf,
  startCliHub,
  waitFor,
} from './cli-hub.js';

const KEY_FILE = 'labhub-selfsigned-key.pem';
/** Files that hold a live credential, relative to the hub's directory. */
const SECRET_FILES = [
  'hub.sqlite',
  'hub.sqlite-wal',
  'hub.sqlite-shm',
  'cookie_secret',
  KEY_FILE,
] as const;

const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);

/** Log in as `user` on the hub port and create an API token (so the WAL holds fresh writes). */
async function loginAndCreateToken(hubUrl: string, user: string): Promise<string> {
  const c = new CookieClient(hubUrl);
  const login = await c.login(user);
  assert.equal(login.status, 302, 'the dummy login succeeds');
  const xsrf = await c.xsrf('/hub/home');
  const r = await c.fetch(`/hub/api/users/${user}/tokens`, {
    method: 'POST',
    body: JSON.stringify({ note: 'secrets at rest' }),
    headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrf },
  });
  assert.equal(r.status, 201, await r.clone().text());
  return ((await r.json()) as { token: string }).token;
}

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((n) => join(dir, n))
    .filter((p) => existsSync(p) && statSync(p).isFile());
}

test(
  'as another local account (nobody), no credential of a running hub can be read: not the database, its -wal and -shm, the cookie secret, the TLS key, nor the proxy command line',
  { skip: needsRoot },
  async () => {
    const dir = openDir('labhub-secrets-');
    const hub = await startCliHub(dir).catch((e) => {
      cleanup(dir);
      throw e;
    });
    try {
      const apiToken = await loginAndCreateToken(hub.hubUrl, 'alice');
      const pid = proxyPid(dir);
      assert.ok(pid, `the hub started a labhub-proxy and wrote its pid:\n${hub.output()}`);
      const proxyToken = proxyTokenOf(pid);
      assert.ok(proxyToken, 'the proxy got its API token from the environment');
      const cookieSecret = readFileSync(join(dir, 'cookie_secret'), 'utf8').trim();
      const keyBody = readFileSync(join(dir, KEY_FILE), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join('');
      const secrets = { proxyToken, cookieSecret, apiToken, keyBody };

      // What the audit found: the live proxy token sits in the WAL (root can see it there).
      assert.ok(
        readFileSync(join(dir, 'hub.sqlite-wal')).includes(`proxy_auth_token${proxyToken}`),
        'precondition: the WAL holds the proxy token, so reading it would be a takeover',
      );

      for (const name of SECRET_FILES) {
        const f = join(dir, name);
        assert.ok(existsSync(f), `${name} exists`);
        assert.equal(mode(f), '600', `${name} is created 0600 under umask 022`);
        const r = asNobody(['cat', f]);
        assert.notEqual(r.code, 0, `nobody cannot read ${name}`);
        assert.match(r.out, /Permission denied/, name);
      }

      // The audit's exact reproduction finds nothing.
      const repro = asNobody(['sh', '-c', 'strings hub.sqlite-wal | grep proxy_auth_token'], dir);
      assert.doesNotMatch(repro.out, /proxy_auth_token[0-9a-f]/, repro.out);
      assert.ok(!repro.out.includes(proxyToken), 'no proxy token through strings | grep');

      // The proxy's command line is visible to everyone; its environment is not.
      const ps = asNobody(['ps', '-o', 'args=', '-p', String(pid)]);
      assert.match(ps.out, /labhub-proxy/, 'ps shows the proxy to nobody');
      assert.ok(!ps.out.includes(proxyToken), `no token on the proxy command line: ${ps.out}`);
      const all = asNobody(['ps', '-eo', 'args=']).out;
      for (const [what, s] of Object.entries(secrets))
        assert.ok(!all.includes(s), `${what} is on no command line`);
      assert.notEqual(asNobody(['cat', `/proc/${pid}/environ`]).code, 0, 'proxy env is private');

      // Whatever else nobody can read in the hub's directory holds none of these secrets.
      for (const f of filesUnder(dir)) {
        const r = asNobody(['cat', f]);
        if (r.code !== 0) continue;
        for (const [what, s] of Object.entries(secrets))
          assert.ok(!r.out.includes(s), `${f} (readable by nobody) holds the ${what}`);
      }
    } finally {
      await hub.stop();
      cleanup(dir);
    }
  },
);

test(
  'a database (with -wal and -shm), cookie secret and TLS key left readable by others are made 0600 at start, with a warning naming each file, its old mode and its new mode',
  { skip: needsRoot },
  async () => {
    const dir = openDir('labhub-tighten-');
    try {
      const first = await startCliHub(dir);
      await first.stop(); // the proxy keeps running: the next start adopts it
      // An older labhub left these 0644; a process killed mid-write left -wal and -shm behind,
      // which SQLite created with the database file's mode.
      for (const f of ['hub.sqlite', 'cookie_secret', KEY_FILE]) chmodSync(join(dir, f), 0o644);
      // On a loaded machine the first hub may not have removed its own -wal/-shm yet (0600):
      // an older labhub's would be 0644 too.
      for (const f of ['hub.sqlite-wal', 'hub.sqlite-shm'])
        if (existsSync(join(dir, f))) chmodSync(join(dir, f), 0o644);
      const require = createRequire(join(ROOT, 'package.json'));
      const crash = spawnSync(
        'sh',
        [
          '-c',
          'umask 022 && exec "$@"',
          'sh',
          process.execPath,
          '-e',
          `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
           const d = new D(${JSON.stringify(join(dir, 'hub.sqlite'))});
           d.pragma('journal_mode = WAL');
           d.exec("CREATE TABLE IF NOT EXISTS left_behind (x); INSERT INTO left_behind VALUES (1)");
           process.kill(process.pid, 'SIGKILL');`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(crash.signal, 'SIGKILL', crash.stderr);
      for (const f of SECRET_FILES) assert.equal(mode(join(dir, f)), '644', `precondition: ${f}`);
      assert.equal(asNobody(['cat', join(dir, 'hub.sqlite-wal')]).code, 0, 'precondition');

      const hub = await startCliHub(dir);
      try {
        const out = hub.output();
        for (const name of SECRET_FILES) {
          const f = join(dir, name);
          assert.equal(mode(f), '600', `${name} was tightened`);
          assert.notEqual(asNobody(['cat', f]).code, 0, `nobody cannot read ${name} any more`);
          const line = out.split('\n').find((l) => l.includes(f) && /\b644\b/.test(l));
          assert.ok(line, `a warning names ${f} and its old mode 644:\n${out}`);
          assert.match(line, /^\[W /, `it is a warning: ${line}`);
          assert.match(line, /\b600\b/, `and its new mode: ${line}`);
        }
        await loginAndCreateToken(hub.hubUrl, 'bob'); // and the hub works

        // The proxy token in that database is treated as leaked: the adopted proxy still has it,
        // so the hub says so, and the next proxy it starts gets a new one.
        assert.match(out, /The proxy API token stored in \S+ may have been read/);
        const oldPid = proxyPid(dir)!;
        const oldToken = proxyTokenOf(oldPid)!;
        process.kill(oldPid, 'SIGTERM');
        const newPid = await waitFor('a new proxy', () => {
          const p = proxyPid(dir);
          return p && p !== oldPid ? p : null;
        });
        const newToken = proxyTokenOf(newPid)!;
        assert.ok(newToken && newToken !== oldToken, 'the new proxy has a new token');
        const routes = await waitFor('the hub route restored', async () => {
          const r = await fetch(`${hub.proxyApiUrl}/api/routes`, {
            headers: { authorization: `token ${newToken}` },
          });
          const body = (await r.json()) as Record<string, unknown>;
          return r.status === 200 && body['/'] ? body : null;
        });
        assert.ok(routes['/'], 'the new proxy routes / to the hub');
        const old = await fetch(`${hub.proxyApiUrl}/api/routes`, {
          headers: { authorization: `token ${oldToken}` },
        });
        assert.equal(old.status, 403, 'the old token is refused');
      } finally {
        await hub.stop();
      }
      const again = await startCliHub(dir);
      try {
        // The new token was stored: this start adopts the new proxy, and warns no more.
        assert.match(again.output(), /adopted the proxy already running/);
        assert.doesNotMatch(again.output(), /may have been read/);
      } finally {
        await again.stop();
      }
    } finally {
      cleanup(dir);
    }
  },
);
