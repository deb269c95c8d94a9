import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './index.js';
import { credentialKeys } from './credentials.js';

test('credentialKeys names tokens, secrets, passwords and a password in a URL, never defaults or paths', () => {
  assert.deepEqual(credentialKeys(loadConfig({ cwd: '/nonexistent' }).config), []);
  const { config } = loadConfig({
    cwd: '/nonexistent',
    overrides: {
      JupyterHub: {
        db_url: 'postgresql://hub:s3cret@db/hub',
        cookie_secret_file: '/srv/labhub/cookie_secret',
        ssl_key: '/etc/ssl/private/hub.key',
        services: [{ name: 'culler', api_token: 'a'.repeat(32) }, { name: 'plain' }],
      },
      ConfigurableHTTPProxy: { auth_token: 'b'.repeat(32) },
      DummyAuthenticator: { password: 'pw' },
    },
  });
  assert.deepEqual(credentialKeys(config).sort(), [
    'ConfigurableHTTPProxy.auth_token',
    'DummyAuthenticator.password',
    'JupyterHub.db_url (password)',
    'JupyterHub.services[0].api_token',
  ]);
});
