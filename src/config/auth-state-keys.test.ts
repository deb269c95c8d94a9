import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HubError } from '../errors.js';
import { classChain, classForId, traitsFor } from './inherit.js';
import { buildConfig } from './load.js';
import { fromObject, readConfigText } from './sources.js';

type Obj = Record<string, Record<string, unknown>>;
const load = (obj: Obj) =>
  buildConfig(
    fromObject(obj, 'labhub.yaml', () => 4),
    null,
  ).config;
const refusal = (obj: Obj): string => {
  try {
    load(obj);
  } catch (e) {
    return (e as HubError).userMessage ?? String(e);
  }
  assert.fail('the config was accepted');
};
const traits = (config: ReturnType<typeof load>, id: string) =>
  traitsFor<Record<string, unknown>>(config, classChain(classForId(id)!));

test('Authenticator.enable_auth_state/manage_groups/refresh_pre_spawn apply to the OAuth class (Z2JH style)', () => {
  const py = readConfigText(
    [
      'c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"',
      'c.Authenticator.enable_auth_state = True',
      'c.Authenticator.manage_groups = True',
      'c.Authenticator.refresh_pre_spawn = True',
      'c.Authenticator.allowed_users = {"ann"}',
      'c.Authenticator.admin_users = {"ann"}',
    ].join('\n'),
    'py',
    'jupyterhub_config.py',
  );
  const t = traits(buildConfig(py, null).config, 'generic');
  assert.equal(t.enable_auth_state, true);
  assert.equal(t.manage_groups, true);
  assert.equal(t.refresh_pre_spawn, true);
  assert.deepEqual(t.allowed_users, ['ann']);
});

test("the OAuth class's own value wins over Authenticator's", () => {
  const config = load({
    JupyterHub: { authenticator_class: 'openid' },
    Authenticator: { enable_auth_state: true, manage_groups: true },
    OAuthenticator: { manage_groups: false },
    OpenIDOAuthenticator: { enable_auth_state: false },
  });
  const t = traits(config, 'openid');
  assert.equal(t.enable_auth_state, false);
  assert.equal(t.manage_groups, false);
  // Another OAuth class still inherits Authenticator's value.
  assert.equal(traits(config, 'github').enable_auth_state, true);
});

test('PAM, native, dummy, LDAP and the default keep no auth state: the keys are refused, naming where', () => {
  for (const id of ['pam', 'native', 'dummy', 'ldap']) {
    const m = refusal({
      JupyterHub: { authenticator_class: id },
      Authenticator: { enable_auth_state: true },
    });
    assert.match(
      m,
      /Authenticator\.enable_auth_state \(labhub\.yaml:4\) \(keeping encrypted authentication state\) is not implemented by \w+Authenticator/,
    );
    assert.match(m, /keep no auth state/);
  }
  const m = refusal({
    PAMAuthenticator: { manage_groups: true },
    Authenticator: { refresh_pre_spawn: true },
  });
  assert.match(m, /PAMAuthenticator\.manage_groups .*the default authenticator \(PAM or native\)/);
  assert.match(
    m,
    /Authenticator\.refresh_pre_spawn .*only the OAuth \/ OpenID Connect logins have tokens/,
  );
  // Off is accepted; a plugin labhub does not know reads its own traits.
  assert.doesNotThrow(() =>
    load({
      JupyterHub: { authenticator_class: 'pam' },
      Authenticator: { enable_auth_state: false },
    }),
  );
  assert.doesNotThrow(() =>
    load({
      JupyterHub: { authenticator_class: 'mypkg.auth.MyAuthenticator' },
      Authenticator: { enable_auth_state: true },
    }),
  );
});

test('several at once: the keys need an OAuth entry', () => {
  const native = { authenticator_class: 'native' };
  const sso = { authenticator_class: 'openid', url_prefix: 'sso', config: { issuer: 'x' } };
  assert.match(
    refusal({
      JupyterHub: { authenticator_class: 'multi' },
      Authenticator: { manage_groups: true },
      MultiAuthenticator: { authenticators: [native] },
    }),
    /Authenticator\.manage_groups .*MultiAuthenticator without an OAuth \/ OpenID Connect entry \(native\)/,
  );
  assert.doesNotThrow(() =>
    load({
      JupyterHub: { authenticator_class: 'multi' },
      Authenticator: { manage_groups: true },
      MultiAuthenticator: { authenticators: [sso, native] },
    }),
  );
});

test('auth_refresh_age: any authenticator accepts it (PAM has nothing to refresh); several at once refuse it', () => {
  const pam = load({
    JupyterHub: { authenticator_class: 'pam' },
    Authenticator: { auth_refresh_age: 60 },
  });
  assert.equal(traits(pam, 'pam').auth_refresh_age, 60);
  assert.equal(
    traits(load({ JupyterHub: { authenticator_class: 'openid' } }), 'openid').auth_refresh_age,
    300,
  );
  const sso = { authenticator_class: 'openid', url_prefix: 'sso', config: { issuer: 'x' } };
  assert.match(
    refusal({
      JupyterHub: { authenticator_class: 'multi' },
      Authenticator: { auth_refresh_age: 600 },
      MultiAuthenticator: { authenticators: [sso] },
    }),
    /Authenticator\.auth_refresh_age \(labhub\.yaml:4\) .*not available with several authenticators yet/,
  );
  assert.doesNotThrow(() =>
    load({
      JupyterHub: { authenticator_class: 'multi' },
      Authenticator: { auth_refresh_age: 0 },
      MultiAuthenticator: { authenticators: [sso] },
    }),
  );
});
