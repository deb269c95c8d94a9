import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { pinoLevel, settingsFromConfig } from './settings-from-config.js';

const EMPTY = mkdtempSync(join(tmpdir(), 'labhub-settings-'));
process.on('exit', () => rmSync(EMPTY, { recursive: true, force: true }));
const settings = (overrides: Record<string, Record<string, unknown>>) =>
  settingsFromConfig(loadConfig({ cwd: EMPTY, overrides }).config, 'dummy');

test('cleanup_servers and cleanup_proxy default to false: a Ctrl-C drops nobody', () => {
  const s = settings({});
  assert.deepEqual([s.cleanupServers, s.cleanupProxy], [false, false]);
  const on = settings({ JupyterHub: { cleanup_servers: true, cleanup_proxy: true } });
  assert.deepEqual([on.cleanupServers, on.cleanupProxy], [true, true]);
});

test('hub_bind_url sets where the hub listens (and where servers reach it); a bad one names the key', () => {
  const s = settings({ JupyterHub: { hub_bind_url: 'http://127.0.0.9:9191' } });
  assert.deepEqual([s.hubIp, s.hubPort], ['127.0.0.9', 9191]);
  assert.equal(s.hubApiUrl, 'http://127.0.0.9:9191/hub/api');
  assert.throws(
    () => settings({ JupyterHub: { hub_bind_url: 'unix:/run/hub.sock' } }),
    /JupyterHub\.hub_bind_url: expected a URL like http:\/\/127\.0\.0\.1:8081/,
  );
});

test("Spawner.hub_connect_url gives this spawner's servers their own hub API URL", () => {
  assert.equal(settings({}).spawner.hubApiUrl, null);
  const s = settings({ Spawner: { hub_connect_url: 'http://10.0.0.5:8081/' } });
  assert.equal(s.spawner.hubApiUrl, 'http://10.0.0.5:8081/hub/api');
  assert.equal(s.hubApiUrl, 'http://127.0.0.1:8081/hub/api', 'the hub-wide URL is unchanged');
});

test('proxy_class: only the CHP-API proxy exists; anything else is refused with what to do', () => {
  assert.doesNotThrow(() =>
    settings({ JupyterHub: { proxy_class: 'jupyterhub.proxy.ConfigurableHTTPProxy' } }),
  );
  assert.throws(
    () => settings({ JupyterHub: { proxy_class: 'traefik' } }),
    /JupyterHub\.proxy_class = "traefik" is not a proxy labhub has.*Remove proxy_class/,
  );
});

test('log_level: Python names and numbers become pino levels', () => {
  assert.deepEqual(
    ['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'CRITICAL', 10, 20, 30, 40, 50].map(pinoLevel),
    ['debug', 'info', 'warn', 'warn', 'error', 'fatal', 'debug', 'info', 'warn', 'error', 'fatal'],
  );
  assert.equal(settings({ JupyterHub: { log_level: 'DEBUG' } }).logLevel, 'debug');
});

test("a config service's oauth_client_id other than service-<name> is refused, naming the service", () => {
  assert.doesNotThrow(() =>
    settings({ JupyterHub: { services: [{ name: 'a', oauth_client_id: 'service-a' }] } }),
  );
  assert.throws(
    () => settings({ JupyterHub: { services: [{ name: 'a', oauth_client_id: 'mine' }] } }),
    /JupyterHub\.services\[a\]\.oauth_client_id = "mine"/,
  );
});

test('the settings are deeply frozen: changing any of them throws', () => {
  const s = settings({ JupyterHub: { services: [{ name: 'a' }] } });
  assert.throws(() => ((s as { port: number }).port = 1), TypeError);
  assert.throws(() => (s.spawner.cmd as string[]).push('x'), TypeError);
  assert.throws(() => ((s.services[0] as { url: string | null }).url = 'x'), TypeError);
  assert.throws(() => ((s.authenticatorOptions as Record<string, unknown>).x = 1), TypeError);
  assert.throws(() => ((s.idleCuller as { timeout: number }).timeout = 1), TypeError);
});
