import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAuthenticators, registerAuthenticator, resolveAuthenticator } from './registry.js';
import { isHubError } from '../errors.js';
import { createAuthenticator } from './define.js';

test('registry: built-ins resolve by id and every alias, case-insensitively', async () => {
  const cases: Record<string, string> = {
    pam: 'pam',
    pamauthenticator: 'pam',
    PAMAuthenticator: 'pam',
    'jupyterhub.auth.PAMAuthenticator': 'pam',
    dummy: 'dummy',
    DummyAuthenticator: 'dummy',
    'jupyterhub.auth.DummyAuthenticator': 'dummy',
    dummyauthenticator: 'dummy',
    native: 'native',
    'nativeauthenticator.NativeAuthenticator': 'native',
    ' Native ': 'native',
    ldap: 'ldap',
    LDAPAuthenticator: 'ldap',
    'ldapauthenticator.LDAPAuthenticator': 'ldap',
    'ldapauthenticator.ldapauthenticator.LDAPAuthenticator': 'ldap',
    'oauthenticator.generic.GenericOAuthenticator': 'generic-oauth',
    GenericOAuthenticator: 'generic-oauth',
    generic: 'generic-oauth',
    openid: 'openid',
    'oauthenticator.github.GitHubOAuthenticator': 'github',
    GitLabOAuthenticator: 'gitlab',
    'oauthenticator.google.GoogleOAuthenticator': 'google',
    AzureAdOAuthenticator: 'azuread',
  };
  for (const [name, id] of Object.entries(cases))
    assert.equal((await resolveAuthenticator(name)).id, id, name);
  assert.deepEqual(
    listAuthenticators()
      .map((d) => d.id)
      .sort(),
    [
      'azuread',
      'dummy',
      'generic-oauth',
      'github',
      'gitlab',
      'google',
      'ldap',
      'multi',
      'native',
      'openid',
      'pam',
    ],
  );
  const pam = await resolveAuthenticator('pam');
  assert.deepEqual(pam.configClasses, ['Authenticator', 'LocalAuthenticator', 'PAMAuthenticator']);
});

test('registry: unknown names are config errors with a did-you-mean', async () => {
  await assert.rejects(
    resolveAuthenticator('dumy'),
    (e) =>
      isHubError(e) && e.code === 'LABHUB_ERR_CONFIG' && /Did you mean "dummy"/.test(e.userMessage),
  );
  await assert.rejects(
    resolveAuthenticator('PAMAuthenticatr'),
    (e) => isHubError(e) && /Did you mean "PAMAuthenticator"\?/.test(e.userMessage),
  );
  await assert.rejects(
    resolveAuthenticator('oauthenticator.bitbucket.BitbucketOAuthenticator'),
    (e) =>
      isHubError(e) &&
      e.code === 'LABHUB_ERR_CONFIG' &&
      /Python authenticator classes/.test(e.userMessage) &&
      /Known: /.test(e.userMessage),
  );
  await assert.rejects(
    resolveAuthenticator('./does-not-exist.mjs'),
    (e) => isHubError(e) && /does not exist/.test(e.userMessage),
  );
});

test('registry: a module path is imported and registered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-auth-'));
  try {
    writeFileSync(
      join(dir, 'my-auth.mjs'),
      `export default { id: 'my-auth-${process.pid}', aliases: ['MyAuth${process.pid}'], configClasses: ['Authenticator'],
         create: () => ({ authenticate: async (i) => (i.password === 'ok' ? { name: i.username } : null) }) };`,
    );
    writeFileSync(join(dir, 'not-auth.mjs'), 'export default 42;');
    const def = await resolveAuthenticator('./my-auth.mjs', { baseDir: dir });
    assert.equal(def.id, `my-auth-${process.pid}`);
    assert.equal(
      (await resolveAuthenticator(`myauth${process.pid}`)).id,
      def.id,
      'its aliases now resolve',
    );
    await assert.rejects(
      resolveAuthenticator(join(dir, 'not-auth.mjs')),
      (e) => isHubError(e) && /must export an authenticator definition/.test(e.userMessage),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registry: ids and aliases cannot be taken twice or be malformed', () => {
  const create = () => ({ authenticate: async () => null });
  assert.throws(
    () => registerAuthenticator({ id: 'other', aliases: ['Dummy'], configClasses: [], create }),
    (e) => isHubError(e) && /already used by authenticator "dummy"/.test(e.userMessage),
  );
  assert.throws(
    () => registerAuthenticator({ id: 'Bad_Id', aliases: [], configClasses: [], create }),
    (e) => isHubError(e) && /kebab-case/.test(e.userMessage),
  );
});

test('multi: Authenticator.enable_auth_state/manage_groups reach the OAuth entries that do not set their own', async () => {
  const multi = await resolveAuthenticator('multi');
  const log = { info() {}, warn() {}, debug() {}, error() {}, child: () => log };
  const deps = { log, accounts: null } as unknown as Parameters<typeof createAuthenticator>[2];
  const sso = (config: Record<string, unknown>) => ({
    authenticator_class: 'generic-oauth',
    url_prefix: 'sso',
    username_prefix: '',
    config: {
      client_id: 'c',
      authorize_url: 'http://127.0.0.1/a',
      token_url: 'http://127.0.0.1/t',
      userdata_url: 'http://127.0.0.1/u',
      ...config,
    },
  });
  const built = (config: Record<string, unknown>) =>
    createAuthenticator(
      multi,
      { authenticators: [sso(config)], enable_auth_state: true, manage_groups: true },
      deps,
    );
  assert.equal(built({}).enableAuthState, true);
  assert.equal(
    built({ enable_auth_state: false }).enableAuthState,
    false,
    "the entry's own value wins",
  );
  assert.throws(
    () => createAuthenticator(multi, { authenticators: [sso({})], refresh_pre_spawn: true }, deps),
    /refresh_pre_spawn is not available with several authenticators/,
  );
});
