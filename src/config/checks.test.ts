import { test } from 'node:test';
import type { HubError } from '../errors.js';
import assert from 'node:assert/strict';
import { buildConfig } from './load.js';
import { fromObject, readConfigText } from './sources.js';

const warn = (obj: Record<string, Record<string, unknown>>) =>
  buildConfig(
    fromObject(obj, 'labhub.yaml', () => 7),
    null,
  ).warnings;
const codes = (obj: Record<string, Record<string, unknown>>) => warn(obj).map((w) => w.code);

test('hub_port on a public port while port is default warns and explains both', () => {
  for (const p of [80, 443, 8000]) {
    const w = warn({ JupyterHub: { hub_port: p } }).find(
      (x) => x.code === 'LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC',
    )!;
    assert.ok(w, `hub_port ${p}`);
    assert.match(w.message, /internal API port/);
    assert.match(w.message, /JupyterHub\.port/);
    assert.equal(w.line, 7);
  }
  assert.match(
    warn({ JupyterHub: { hub_port: 8000 } })[0]!.message,
    /both try to listen on port 8000/,
  );
  assert.deepEqual(codes({ JupyterHub: { hub_port: 80, port: 443 } }), []);
  assert.deepEqual(codes({ JupyterHub: { hub_port: 8082 } }), []);
});

test('an empty allowed_users with nothing else allowing anyone warns', () => {
  assert.deepEqual(codes({ Authenticator: { allowed_users: [] } }), [
    'LABHUB_WARN_CONFIG_NOBODY_ALLOWED',
  ]);
  assert.deepEqual(codes({ Authenticator: { allowed_users: [], allow_all: true } }), []);
  assert.deepEqual(
    codes({ Authenticator: { allowed_users: [] }, LocalAuthenticator: { allowed_groups: ['g'] } }),
    [],
  );
  assert.deepEqual(codes({}), []);
  const w = buildConfig(
    readConfigText('c.Authenticator.whitelist = set()\n', 'py', 'jupyterhub_config.py'),
    null,
  ).warnings;
  const nobody = w.find((x) => x.code === 'LABHUB_WARN_CONFIG_NOBODY_ALLOWED')!;
  assert.match(nobody.message, /^Authenticator\.whitelist is set to an empty set/);
  assert.equal(nobody.line, 1);
});

test('statsd_prefix without statsd_host says nothing will be sent', () => {
  assert.deepEqual(codes({ JupyterHub: { statsd_prefix: 'x' } }), [
    'LABHUB_WARN_CONFIG_STATSD_NO_HOST',
  ]);
  assert.deepEqual(codes({ JupyterHub: { statsd_prefix: 'x', statsd_host: 'localhost' } }), []);
});

test("ip '*' is a note and means all interfaces", () => {
  const r = buildConfig(fromObject({ JupyterHub: { ip: '*' } }, 'labhub.yaml'), null);
  assert.deepEqual(
    r.warnings.map((w) => [w.code, w.level]),
    [['LABHUB_WARN_CONFIG_WILDCARD_IP', 'info']],
  );
  assert.equal(r.config.JupyterHub.ip, '');
  assert.equal(r.config.JupyterHub.bind_url, 'http://:8000/');
});

test('bind_url and ip/port/base_url: parts win, as in JupyterHub', () => {
  const both = buildConfig(
    fromObject({ JupyterHub: { bind_url: 'http://10.0.0.1:9000/x/', port: 8080 } }, 'labhub.yaml'),
    null,
  );
  assert.equal(both.config.JupyterHub.bind_url, 'http://:8080/');
  assert.deepEqual(
    both.warnings.map((w) => w.code),
    ['LABHUB_WARN_CONFIG_BIND_URL'],
  );
  const only = buildConfig(
    fromObject({ JupyterHub: { bind_url: 'https://[::1]:8443/hub' } }, 'labhub.yaml'),
    null,
  ).config.JupyterHub;
  assert.deepEqual([only.ip, only.port, only.base_url], ['::1', 8443, '/hub/']);
  const tls = buildConfig(
    fromObject({ JupyterHub: { ssl_cert: 'c.pem', base_url: 'jh' } }, 'labhub.yaml'),
    null,
  ).config.JupyterHub;
  assert.deepEqual([tls.bind_url, tls.base_url], ['https://:8000/jh/', '/jh/']);
});

test('old load_groups form is converted; service admin warns', () => {
  const r = buildConfig(
    fromObject(
      { JupyterHub: { load_groups: { g: ['a'] }, services: [{ name: 's', admin: true }] } },
      'labhub.yaml',
    ),
    null,
  );
  assert.deepEqual(r.config.JupyterHub.load_groups, { g: { users: ['a'], properties: {} } });
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), [
    'LABHUB_WARN_CONFIG_OLD_FORM',
    'LABHUB_WARN_CONFIG_SERVICE_ADMIN',
  ]);
});

test('documented settings labhub never read (tornado_settings, popen_kwargs…) are refused with what to do; their off values pass', () => {
  const load = (o: Record<string, Record<string, unknown>>) =>
    buildConfig(fromObject(o, 'labhub.yaml'), null);
  assert.throws(
    () =>
      load({
        JupyterHub: { tornado_settings: { headers: {} } },
        LocalProcessSpawner: { popen_kwargs: { cwd: '/' } },
      }),
    (e: unknown) => {
      const m = (e as HubError).userMessage;
      assert.match(
        m,
        /JupyterHub\.tornado_settings .*\(tornado web-server settings.*refused rather than ignored\. Remove it .*web server in front of labhub\./,
      );
      // A subclass gets its parent class's reason and hint.
      assert.match(m, /LocalProcessSpawner\.popen_kwargs .*Spawner\.notebook_dir/);
      return true;
    },
  );
  assert.doesNotThrow(() =>
    load({ JupyterHub: { tornado_settings: {} }, Authenticator: { enable_auth_state: false } }),
  );
});

test('set-of-letters warning names file:line, what JupyterHub would do, and how to write it', () => {
  const w = buildConfig(
    readConfigText("\nc.Authenticator.allowed_users = set('bob')\n", 'py', 'jupyterhub_config.py'),
    null,
  ).warnings[0]!;
  assert.equal(w.code, 'LABHUB_WARN_CONFIG_SET_OF_LETTERS');
  assert.equal(w.line, 2);
  assert.match(w.message, /^jupyterhub_config\.py:2: set\('bob'\)/);
  assert.match(w.message, /JupyterHub would allow users b, o to log in/);
  assert.match(w.message, /treats it as \{'bob'\}/);
});

test('a malformed bind_url is a config error, not a crash', () => {
  assert.throws(
    () => buildConfig(fromObject({ JupyterHub: { bind_url: 'not a url' } }, 'labhub.yaml'), null),
    /JupyterHub\.bind_url: expected a URL/,
  );
});
