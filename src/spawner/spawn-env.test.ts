import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bindUrlFor,
  buildHubEnv,
  clientIdFor,
  formatSpawnerTemplate,
  pyJsonDumps,
  serverPrefixFor,
  withServiceUrl,
} from './spawn-env.js';
import { HubError } from '../errors.js';
import { pyQuote, urlEscapePath } from '../util/py-quote.js';

// Expected strings were produced with Python's urllib.parse.quote / jupyterhub.utils.url_escape_path.
test('quoting matches Python quote() and url_escape_path()', () => {
  assert.equal(pyQuote('a@b'), 'a%40b');
  assert.equal(urlEscapePath('a@b'), 'a@b');
  assert.equal(pyQuote('a b/c~'), 'a%20b/c~');
  assert.equal(urlEscapePath('a b/c~'), 'a%20b%2Fc~');
  assert.equal(pyQuote('Alice.b-c_~9'), 'Alice.b-c_~9'); // only always-safe characters: itself
  assert.equal(pyQuote('zoë'), 'zo%C3%AB');
  assert.equal(urlEscapePath('x+y'), 'x%2By');
});

test('clientIdFor: default and named servers, @ quoted, / kept', () => {
  assert.equal(clientIdFor('alice', ''), 'jupyterhub-user-alice');
  assert.equal(clientIdFor('alice', 'gpu'), 'jupyterhub-user-alice-gpu');
  assert.equal(clientIdFor('a@b', ''), 'jupyterhub-user-a%40b');
  assert.equal(clientIdFor('a@b', 'my gpu'), 'jupyterhub-user-a%40b-my%20gpu');
  assert.equal(clientIdFor('a/b', ''), 'jupyterhub-user-a/b');
});

test('serverPrefixFor keeps @ and ~, escapes /, honours base_url', () => {
  assert.equal(serverPrefixFor('/', 'alice', ''), '/user/alice/');
  assert.equal(serverPrefixFor('/', 'a@b', 'gpu'), '/user/a@b/gpu/');
  assert.equal(serverPrefixFor('/jh', '~x/y', ''), '/jh/user/~x%2Fy/');
  assert.equal(serverPrefixFor('/jh/', 'alice', 'a b'), '/jh/user/alice/a%20b/');
});

test('bindUrlFor / withServiceUrl: empty host, IPv6, port rewrite keeps path and scheme', () => {
  assert.equal(
    bindUrlFor('127.0.0.1', 45123, '/user/alice/'),
    'http://127.0.0.1:45123/user/alice/',
  );
  assert.equal(bindUrlFor('', 8888, '/user/alice/'), 'http://:8888/user/alice/');
  assert.equal(bindUrlFor('::1', 1, '/x/', true), 'https://[::1]:1/x/');
  const env = {
    JUPYTERHUB_SERVICE_URL: 'https://:0/user/a@b/gpu/',
    JUPYTERHUB_SERVICE_PREFIX: '/user/a@b/gpu/',
  };
  assert.equal(
    withServiceUrl(env, '127.0.0.1', 5000).JUPYTERHUB_SERVICE_URL,
    'https://127.0.0.1:5000/user/a@b/gpu/',
  );
  assert.equal(env.JUPYTERHUB_SERVICE_URL, 'https://:0/user/a@b/gpu/', 'input not mutated');
  assert.equal(
    withServiceUrl({ JUPYTERHUB_SERVICE_PREFIX: '/user/x/' }, '', 7).JUPYTERHUB_SERVICE_URL,
    'http://:7/user/x/',
  );
});

test('pyJsonDumps matches json.dumps (separators, ensure_ascii)', () => {
  assert.equal(
    pyJsonDumps(['access:servers!server=a@b/gpu', 'é']),
    '["access:servers!server=a@b/gpu", "\\u00e9"]',
  );
  assert.equal(
    pyJsonDumps({ samesite: 'Lax', secure: true }),
    '{"samesite": "Lax", "secure": true}',
  );
  assert.equal(pyJsonDumps([]), '[]');
});

test('buildHubEnv: named server of a@b, every variable exact', () => {
  const prefix = serverPrefixFor('/', 'a@b', 'gpu');
  const env = buildHubEnv({
    userName: 'a@b',
    serverName: 'gpu',
    apiToken: 'f'.repeat(32),
    hubApiUrl: 'http://127.0.0.1:8081/hub/api/',
    baseUrl: '/',
    serverPrefix: prefix,
    bindUrl: bindUrlFor('127.0.0.1', 0, prefix),
    oauthAccessScopes: ['access:servers!server=a@b/gpu', 'access:servers!user=a@b'],
    oauthClientAllowedScopes: [],
    rootDir: '/home/a@b/nb',
    defaultUrl: '/lab',
    debug: true,
    memLimit: 2147483648,
    cpuLimit: 2,
  });
  assert.deepEqual(env, {
    JUPYTERHUB_API_TOKEN: 'f'.repeat(32),
    JPY_API_TOKEN: 'f'.repeat(32),
    JUPYTERHUB_CLIENT_ID: 'jupyterhub-user-a%40b-gpu',
    JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED: '0',
    JUPYTERHUB_HOST: '',
    JUPYTERHUB_OAUTH_CALLBACK_URL: '/user/a@b/gpu/oauth_callback',
    JUPYTERHUB_OAUTH_SCOPES: '["access:servers!server=a@b/gpu", "access:servers!user=a@b"]',
    JUPYTERHUB_OAUTH_ACCESS_SCOPES: '["access:servers!server=a@b/gpu", "access:servers!user=a@b"]',
    JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES: '[]',
    JUPYTERHUB_USER: 'a@b',
    JUPYTERHUB_SERVER_NAME: 'gpu',
    JUPYTERHUB_API_URL: 'http://127.0.0.1:8081/hub/api',
    JUPYTERHUB_ACTIVITY_URL: 'http://127.0.0.1:8081/hub/api/users/a@b/activity',
    JUPYTERHUB_BASE_URL: '/',
    JUPYTERHUB_SERVICE_PREFIX: '/user/a@b/gpu/',
    JUPYTERHUB_SERVICE_URL: 'http://127.0.0.1:0/user/a@b/gpu/',
    JUPYTERHUB_PUBLIC_URL: '',
    JUPYTERHUB_PUBLIC_HUB_URL: '',
    MEM_LIMIT: '2147483648',
    CPU_LIMIT: '2.0',
    JUPYTERHUB_ROOT_DIR: '/home/a@b/nb',
    JUPYTERHUB_DEFAULT_URL: '/lab',
    JUPYTERHUB_DEBUG: '1',
  });
});

test('buildHubEnv: default server, public_url, base_url, cookie options', () => {
  const prefix = serverPrefixFor('/jh/', 'alice', '');
  const env = buildHubEnv({
    userName: 'alice',
    serverName: '',
    apiToken: 't',
    hubApiUrl: 'http://10.0.0.1:8081/jh/hub/api',
    baseUrl: '/jh/',
    serverPrefix: prefix,
    bindUrl: bindUrlFor('', 0, prefix),
    oauthAccessScopes: ['access:servers!server=alice/'],
    oauthClientAllowedScopes: ['read:users'],
    publicUrl: 'https://hub.example.org/jh/',
    cookieHostPrefix: true,
    cookieOptions: { samesite: 'Lax' },
    disableUserConfig: true,
  });
  assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice');
  assert.equal(env.JUPYTERHUB_OAUTH_CALLBACK_URL, '/jh/user/alice/oauth_callback');
  assert.equal(env.JUPYTERHUB_ACTIVITY_URL, 'http://10.0.0.1:8081/jh/hub/api/users/alice/activity');
  assert.equal(env.JUPYTERHUB_SERVER_NAME, '');
  assert.equal(env.JUPYTERHUB_SERVICE_URL, 'http://:0/jh/user/alice/');
  assert.equal(env.JUPYTERHUB_HOST, 'https://hub.example.org');
  assert.equal(env.JUPYTERHUB_PUBLIC_URL, 'https://hub.example.org/jh/user/alice/');
  assert.equal(env.JUPYTERHUB_PUBLIC_HUB_URL, 'https://hub.example.org/jh/hub/');
  assert.equal(env.JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED, '1');
  assert.equal(env.JUPYTERHUB_COOKIE_OPTIONS, '{"samesite": "Lax"}');
  assert.equal(env.JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES, '["read:users"]');
  assert.equal(env.JUPYTERHUB_DISABLE_USER_CONFIG, '1');
  assert.equal('JUPYTERHUB_ROOT_DIR' in env, false);
  assert.equal('JUPYTERHUB_DEFAULT_URL' in env, false);
  assert.equal('MEM_LIMIT' in env, false);
});

test('formatSpawnerTemplate: {username}, {base_url}, %U, escaped braces, errors', () => {
  const ns = { username: 'a@b', base_url: '/user/a@b/' };
  assert.equal(
    formatSpawnerTemplate('/home/jupyter/notebooks/{username}', ns),
    '/home/jupyter/notebooks/a@b',
  );
  assert.equal(formatSpawnerTemplate('/data/%U/x', ns), '/data/a@b/x');
  assert.equal(formatSpawnerTemplate('{base_url}lab', ns), '/user/a@b/lab');
  assert.equal(formatSpawnerTemplate('/x/{{literal}}', ns), '/x/{literal}');
  assert.throws(
    () => formatSpawnerTemplate('/x/{user}', ns),
    (e) => e instanceof HubError && e.code === 'LABHUB_ERR_CONFIG' && /\{user\}/.test(e.message),
  );
  assert.throws(
    () => formatSpawnerTemplate('/x/{username', ns),
    (e) => e instanceof HubError && e.code === 'LABHUB_ERR_CONFIG',
  );
  assert.throws(
    () => formatSpawnerTemplate('/x/}', ns),
    (e) => e instanceof HubError && e.code === 'LABHUB_ERR_CONFIG',
  );
});
