import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../errors.js';
import { fromObject } from './sources.js';
import { applyRenames } from './renames.js';
import type { ConfigWarning } from './raw.js';

function run(obj: Record<string, Record<string, unknown>>) {
  const raw = fromObject(obj, 'labhub.yaml', () => 3);
  const warnings: ConfigWarning[] = [];
  applyRenames(raw, warnings);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [c, t, e] of raw.entries()) (out[c] ??= {})[t] = e.value;
  return { out, warnings, raw };
}

function conflicts(obj: Record<string, Record<string, unknown>>, re: RegExp) {
  assert.throws(
    () => run(obj),
    (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.code, 'LABHUB_ERR_CONFIG');
      assert.match(e.userMessage, re);
      assert.match(e.userMessage, /Keep only/);
      return true;
    },
  );
}

test('whitelist/blacklist/group_whitelist/env map to the current names, in subclasses too', () => {
  const { out, warnings } = run({
    Authenticator: { whitelist: ['a'], blacklist: ['b'] },
    PAMAuthenticator: { whitelist: ['p'] },
    LocalAuthenticator: { group_whitelist: ['g'] },
    Spawner: { env: { A: '1' } },
  });
  assert.deepEqual(out, {
    Authenticator: { allowed_users: ['a'], blocked_users: ['b'] },
    PAMAuthenticator: { allowed_users: ['p'] },
    LocalAuthenticator: { allowed_groups: ['g'] },
    Spawner: { environment: { A: '1' } },
  });
  const w = warnings.find((x) => x.key === 'LocalAuthenticator.allowed_groups')!;
  assert.equal(w.code, 'LABHUB_WARN_CONFIG_GROUP_WHITELIST');
  assert.match(w.message, /group_whitelist/);
  assert.match(w.message, /IGNORES/);
  assert.equal(w.file, 'labhub.yaml');
  assert.equal(w.line, 3);
  const wl = warnings.find((x) => x.key === 'Authenticator.allowed_users')!;
  assert.match(wl.message, /Authenticator\.whitelist.*Authenticator\.allowed_users/);
});

test('old and new key both set: equal values warn, different values fail', () => {
  const { out, warnings } = run({
    Authenticator: { whitelist: ['a', 'b'], allowed_users: ['b', 'a'] },
  });
  assert.deepEqual(out, { Authenticator: { allowed_users: ['b', 'a'] } });
  assert.match(warnings[0]!.message, /also set/);
  conflicts(
    { Authenticator: { whitelist: ['a'], allowed_users: ['b'] } },
    /Authenticator\.whitelist.*Authenticator\.allowed_users.*different values/,
  );
  conflicts(
    { LocalAuthenticator: { group_whitelist: ['x'], allowed_groups: ['y'] } },
    /group_whitelist/,
  );
  conflicts({ Authenticator: { blacklist: [], blocked_users: ['evil'] } }, /blacklist/);
});

test('JupyterHub.admin_users: used when Authenticator.admin_users is empty, conflict otherwise', () => {
  assert.deepEqual(run({ JupyterHub: { admin_users: ['root'] } }).out, {
    Authenticator: { admin_users: ['root'] },
  });
  assert.deepEqual(
    run({ JupyterHub: { admin_users: ['root'] }, Authenticator: { admin_users: [] } }).out,
    { Authenticator: { admin_users: ['root'] } },
  );
  const same = run({
    JupyterHub: { admin_users: ['root'] },
    Authenticator: { admin_users: ['root'] },
  });
  assert.deepEqual(same.out, { Authenticator: { admin_users: ['root'] } });
  assert.match(same.warnings[0]!.message, /duplicates/);
  conflicts(
    { JupyterHub: { admin_users: ['root'] }, Authenticator: { admin_users: ['alice'] } },
    /JupyterHub\.admin_users/,
  );
});

test('proxy keys move to ConfigurableHTTPProxy; api ip and port combine', () => {
  const { out, warnings } = run({
    JupyterHub: {
      proxy_cmd: ['chp'],
      proxy_auth_token: 't',
      proxy_api_ip: '10.0.0.1',
      proxy_api_port: 9000,
      debug_proxy: true,
    },
  });
  assert.deepEqual(out, {
    ConfigurableHTTPProxy: {
      api_url: 'http://10.0.0.1:9000',
      command: ['chp'],
      auth_token: 't',
      debug: true,
    },
  });
  assert.ok(warnings.every((w) => w.code === 'LABHUB_WARN_CONFIG_RENAMED'));
  assert.deepEqual(run({ JupyterHub: { proxy_api_port: 9000 } }).out, {
    ConfigurableHTTPProxy: { api_url: 'http://127.0.0.1:9000' },
  });
  conflicts(
    { JupyterHub: { proxy_auth_token: 'a' }, ConfigurableHTTPProxy: { auth_token: 'b' } },
    /proxy_auth_token/,
  );
});

test('hub_connect_port becomes hub_connect_url', () => {
  assert.deepEqual(
    run({ JupyterHub: { hub_connect_port: 9999, hub_connect_ip: '10.1.1.1' } }).out.JupyterHub,
    { hub_connect_ip: '10.1.1.1', hub_connect_url: 'http://10.1.1.1:9999' },
  );
  assert.deepEqual(
    run({ JupyterHub: { hub_connect_port: 9999, hub_ip: '0.0.0.0' } }).out.JupyterHub,
    { hub_ip: '0.0.0.0', hub_connect_url: 'http://127.0.0.1:9999' },
  );
});

test('no-op deprecated keys are dropped with a warning; %U becomes {username}', () => {
  const { out, warnings, raw } = run({
    JupyterHub: { extra_log_file: '/x', confirm_no_ssl: true, admin_access: true },
    Spawner: { notebook_dir: '/home/%U/nb', default_url: '/user/%U/lab' },
  });
  assert.deepEqual(out, {
    Spawner: { notebook_dir: '/home/{username}/nb', default_url: '/user/{username}/lab' },
  });
  assert.equal(warnings.filter((w) => w.code === 'LABHUB_WARN_CONFIG_IGNORED').length, 3);
  assert.equal(warnings.filter((w) => w.code === 'LABHUB_WARN_CONFIG_PERCENT_U').length, 2);
  assert.deepEqual(raw.dropped.map((d) => d.key).sort(), [
    'JupyterHub.admin_access',
    'JupyterHub.confirm_no_ssl',
    'JupyterHub.extra_log_file',
  ]);
});
