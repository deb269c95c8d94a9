import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError } from '../errors.js';
import { loadConfig } from './load.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'labhub-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

test('no file anywhere: every default, no warnings, source null', (t) => {
  const d = dir({});
  t.after(() => rmSync(d, { recursive: true }));
  const { config, warnings, source } = loadConfig({ cwd: d });
  assert.equal(source, null);
  assert.deepEqual(warnings, []);
  const h = config.JupyterHub;
  assert.deepEqual(
    [
      h.ip,
      h.port,
      h.base_url,
      h.hub_ip,
      h.hub_port,
      h.db_url,
      h.cookie_secret_file,
      h.cookie_max_age_days,
      h.authenticator_class,
      h.spawner_class,
    ],
    [
      '',
      8000,
      '/',
      '127.0.0.1',
      8081,
      'sqlite:///jupyterhub.sqlite',
      'jupyterhub_cookie_secret',
      14,
      'default',
      'localprocess',
    ],
  );
  assert.deepEqual(
    [
      h.concurrent_spawn_limit,
      h.api_page_default_limit,
      h.api_page_max_limit,
      h.activity_resolution,
      h.last_activity_interval,
      h.statsd_port,
      h.statsd_prefix,
      h.cleanup_servers,
      h.oauth_token_expires_in,
    ],
    [100, 50, 200, 30, 300, 8125, 'jupyterhub', false, 14 * 86400],
  );
  assert.deepEqual(config.Spawner.cmd, ['jupyterhub-singleuser']);
  assert.deepEqual(
    [
      config.Spawner.start_timeout,
      config.Spawner.http_timeout,
      config.Spawner.interrupt_timeout,
      config.Spawner.term_timeout,
      config.Spawner.kill_timeout,
    ],
    [60, 30, 10, 5, 5],
  );
  assert.deepEqual(
    [
      config.ConfigurableHTTPProxy.api_url,
      config.ConfigurableHTTPProxy.should_start,
      config.ConfigurableHTTPProxy.pid_file,
    ],
    ['http://127.0.0.1:8001', true, 'jupyterhub-proxy.pid'],
  );
  assert.equal(config.Labhub.idle_culler.enabled, false);
  assert.deepEqual(config.PAMAuthenticator, {});
});

test('default files are looked for in order: labhub.yaml before jupyterhub_config.py', (t) => {
  const d = dir({
    'labhub.toml': '[JupyterHub]\nport = 3\n',
    'jupyterhub_config.py': 'c.JupyterHub.port = 4\n',
    'labhub.json': '{"JupyterHub": {"port": 2}}',
  });
  t.after(() => rmSync(d, { recursive: true }));
  const r = loadConfig({ cwd: d });
  assert.equal(r.source, join(d, 'labhub.json'));
  assert.equal(r.config.JupyterHub.port, 2);
  rmSync(join(d, 'labhub.json'));
  assert.equal(loadConfig({ cwd: d }).config.JupyterHub.port, 3);
  rmSync(join(d, 'labhub.toml'));
  assert.equal(loadConfig({ cwd: d }).config.JupyterHub.port, 4);
  writeFileSync(join(d, 'labhub.yml'), 'JupyterHub: {port: 1}\n');
  assert.equal(loadConfig({ cwd: d }).config.JupyterHub.port, 1);
});

test('overrides win over the file and are validated too', (t) => {
  const d = dir({ 'labhub.yaml': 'JupyterHub: {port: 1, hub_port: 2}\n' });
  t.after(() => rmSync(d, { recursive: true }));
  const { config } = loadConfig({ cwd: d, overrides: { JupyterHub: { port: 9 } } });
  assert.deepEqual([config.JupyterHub.port, config.JupyterHub.hub_port], [9, 2]);
  assert.throws(
    () => loadConfig({ cwd: d, overrides: { JupyterHub: { port: 'x' } } }),
    (e: unknown) => e instanceof HubError && e.code === 'LABHUB_ERR_CONFIG',
  );
});

test('a missing --config file is an error naming it', () => {
  assert.throws(
    () => loadConfig({ file: '/nonexistent/labhub.yaml' }),
    (e: unknown) =>
      e instanceof HubError && /\/nonexistent\/labhub\.yaml does not exist/.test(e.userMessage),
  );
});

test('the config is deeply frozen', (t) => {
  const d = dir({ 'labhub.yaml': 'JupyterHub:\n  services: [{name: s, environment: {A: "1"}}]\n' });
  t.after(() => rmSync(d, { recursive: true }));
  const { config } = loadConfig({ cwd: d });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.JupyterHub.services[0]!.environment));
  assert.throws(() => {
    (config.JupyterHub as { port: number }).port = 1;
  }, TypeError);
  assert.throws(() => {
    (config.Spawner.cmd as string[]).push('x');
  }, TypeError);
  assert.throws(() => {
    (config.JupyterHub.services[0]!.environment as Record<string, string>).B = '2';
  }, TypeError);
});

test('the same settings in YAML, JSON, TOML and Python give the same config', (t) => {
  const d = dir({
    'a.yaml':
      'JupyterHub:\n  port: 8080\n  services:\n    - {name: s, api_token: t}\nAuthenticator:\n  admin_users: [alice]\nSpawner:\n  mem_limit: 1G\n  environment: {A: "1"}\n',
    'a.json':
      '{"JupyterHub": {"port": 8080, "services": [{"name": "s", "api_token": "t"}]}, "Authenticator": {"admin_users": ["alice"]}, "Spawner": {"mem_limit": "1G", "environment": {"A": "1"}}}',
    'a.toml':
      '[JupyterHub]\nport = 8080\n[[JupyterHub.services]]\nname = "s"\napi_token = "t"\n[Authenticator]\nadmin_users = ["alice"]\n[Spawner]\nmem_limit = "1G"\nenvironment = { A = "1" }\n',
    'a.py':
      "c.JupyterHub.port = 8080\nc.JupyterHub.services = [{'name': 's', 'api_token': 't'}]\nc.Authenticator.admin_users = {'alice'}\nc.Spawner.mem_limit = 1024**3\nc.Spawner.environment = {'A': '1'}\n",
  });
  t.after(() => rmSync(d, { recursive: true }));
  const [y, ...rest] = ['a.yaml', 'a.json', 'a.toml', 'a.py'].map((f) =>
    loadConfig({ cwd: d, file: f }),
  );
  assert.equal(y!.config.Spawner.mem_limit, 1024 ** 3);
  assert.equal(y!.config.JupyterHub.services[0]!.api_token, 't');
  for (const r of rest) {
    assert.deepEqual(r.config, y!.config);
    assert.deepEqual(r.warnings, []);
  }
});
