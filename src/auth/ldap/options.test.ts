// LDAPAuthenticator's options checked at creation: what ldapauthenticator refuses, what labhub
// refuses, and the warnings (no server is contacted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../../errors.js';
import { loadConfig } from '../../config/index.js';
import { createAuthenticator } from '../define.js';
import { MemoryAccounts } from '../../../test/contracts/memory-accounts.js';
import { recordingLogger } from '../../../test/auth/recording-logger.js';
import { ldapAuthenticatorDefinition } from './ldap.js';

const base = { server_address: 'ldap.example.org', bind_dn_template: 'uid={username},dc=x' };

function make(options: Record<string, unknown>) {
  const rec = recordingLogger();
  const a = createAuthenticator(ldapAuthenticatorDefinition, options, {
    log: rec.log,
    accounts: new MemoryAccounts(),
  });
  return { a, lines: rec.lines };
}

function refused(options: Record<string, unknown>, key: string, why: RegExp): void {
  assert.throws(
    () => make(options),
    (e) =>
      isHubError(e) &&
      e.code === 'LABHUB_ERR_CONFIG' &&
      e.message.includes(`LDAPAuthenticator.${key}`) &&
      why.test(e.message),
    `${key} ${JSON.stringify(options)}`,
  );
}

test('defaults as in ldapauthenticator 2: StartTLS on port 389, LDAPS on 636', () => {
  assert.match(
    make(base).a.description!,
    /ldap:\/\/ldap\.example\.org:389, tls_strategy before_bind/,
  );
  assert.match(
    make({ ...base, tls_strategy: 'on_connect' }).a.description!,
    /ldaps:\/\/ldap\.example\.org:636/,
  );
  assert.match(make({ ...base, server_port: 1389 }).a.description!, /:1389,/);
  assert.match(make({ ...base, server_address: '::1' }).a.description!, /ldap:\/\/\[::1\]:389/);
});

test('refused settings name the key and say what to do', () => {
  refused({ bind_dn_template: 'uid={username}' }, 'server_address', /required/);
  refused({ ...base, server_address: 'ldaps://dc01:636' }, 'server_address', /tls_strategy/);
  refused(
    { ...base, tls_strategy: 'after_bind' },
    'tls_strategy',
    /before the connection is encrypted/,
  );
  refused({ server_address: 'h' }, 'bind_dn_template', /lookup_dn/);
  refused(
    { ...base, bind_dn_template: ['uid={user},dc=x'] },
    'bind_dn_template',
    /unknown field \{user\}/,
  );
  refused({ ...base, lookup_dn: true }, 'user_search_base', /lookup_dn = True needs/);
  const lookup = {
    ...base,
    lookup_dn: true,
    user_search_base: 'dc=x',
    user_attribute: 'uid',
    lookup_dn_user_dn_attribute: 'uid',
  };
  assert.ok(make(lookup).a);
  refused(
    { ...lookup, lookup_dn_search_user: 'cn=s,dc=x' },
    'lookup_dn_search_password',
    /anonymous bind/,
  );
  refused(
    { ...lookup, lookup_dn_search_filter: '({attr}={login})' },
    'lookup_dn_search_filter',
    /unknown field/,
  );
  refused(
    { ...base, allowed_groups: ['cn=g,dc=x'], group_attributes: [] },
    'allowed_groups',
    /group_attributes/,
  );
  refused(
    { ...base, allowed_groups: ['cn=g,dc=x'], group_search_filter: '(member={dn})' },
    'group_search_filter',
    /unknown field/,
  );
  refused({ ...base, search_filter: '(uid={username})' }, 'search_filter', /user_search_base/);
  refused(
    { ...base, valid_username_regex: '(' },
    'valid_username_regex',
    /not a valid regular expression/,
  );
  refused({ ...base, tls_kwargs: { version: 5 } }, 'tls_kwargs.version', /not supported/);
  refused(
    { ...base, tls_kwargs: { ca_certs_path: '/etc/ssl/certs' } },
    'tls_kwargs.ca_certs_path',
    /ca_certs_file/,
  );
  refused({ ...base, tls_kwargs: { local_certificate_file: '/c.pem' } }, 'tls_kwargs', /both/);
  refused({ ...base, tls_kwargs: { ca_cert_file: '/ca.pem' } }, 'tls_kwargs', /ca_cert_file/);
});

test('deprecated and weakening settings are accepted with a warning', () => {
  const { a, lines } = make({
    ...base,
    use_ssl: true,
    escape_userdn: true,
    bind_dn_template: ['', 'uid={username},dc=x'],
    tls_kwargs: { validate: 0 },
  });
  assert.match(
    a.description!,
    /ldaps:.*:636, tls_strategy on_connect/,
    'use_ssl=True is on_connect',
  );
  const warned = lines
    .filter((l) => l.level === 'warn')
    .map((l) => l.msg)
    .join('\n');
  assert.match(warned, /use_ssl is deprecated/);
  assert.match(warned, /escape_userdn was removed/);
  assert.match(warned, /ignoring a blank entry/);
  assert.match(warned, /not verified/);
  assert.match(
    make({ ...base, tls_strategy: 'insecure' })
      .lines.map((l) => l.msg)
      .join('\n'),
    /unencrypted/,
  );
});

test('a misspelt LDAPAuthenticator key fails at load with a did-you-mean', (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'labhub-ldap-opts-'));
  t.after(() => rmdirSync(empty));
  assert.throws(
    () => loadConfig({ cwd: empty, overrides: { LDAPAuthenticator: { server_adress: 'h' } } }),
    (e) =>
      isHubError(e) &&
      e.code === 'LABHUB_ERR_CONFIG_UNKNOWN_KEY' &&
      /LDAPAuthenticator\.server_adress/.test(e.message) &&
      /server_address/.test(e.message),
  );
});

test('group_search_base (not an ldapauthenticator 2.x key) is refused at load with what to use instead', (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'labhub-ldap-opts-'));
  t.after(() => rmdirSync(empty));
  const load = (v: unknown) =>
    loadConfig({ cwd: empty, overrides: { LDAPAuthenticator: { group_search_base: v } } });
  assert.throws(
    () => load('ou=groups,dc=x'),
    (e) =>
      isHubError(e) &&
      /LDAPAuthenticator\.group_search_base/.test(e.message) &&
      /allowed_groups/.test(e.message),
  );
  assert.ok(load(''), 'the "off" value is accepted');
});
