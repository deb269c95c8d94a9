// The ldap authenticator against a real OpenLDAP slapd (slapd.ts): bind-DN templates, lookup_dn,
// allowed_groups (groupOfNames and posixGroup), StartTLS and LDAPS with a CA made in the test,
// injection attempts that must fail, and the Authenticator contract suite. The server refuses
// password binds without TLS, so every successful login here went over an encrypted connection.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isHubError } from '../../../src/errors.js';
import { createAuthenticator } from '../../../src/auth/define.js';
import { createPolicy } from '../../../src/auth/policy.js';
import { ldapAuthenticatorDefinition } from '../../../src/auth/ldap/ldap.js';
import type { Authenticator } from '../../../src/auth/types.js';
import { authenticatorContractSuite } from '../../contracts/authenticator-suite.js';
import { MemoryAccounts } from '../../contracts/memory-accounts.js';
import { freePort } from '../../helpers/ports.js';
import { recordingLogger } from '../recording-logger.js';
import {
  GROUPS,
  JANE_DN,
  PASSWORDS,
  PEOPLE,
  SEARCH_PASSWORD,
  SEARCH_USER,
  startSlapd,
} from './slapd.js';

const slapd = await startSlapd({ tls: true });
after(() => slapd.stop());

const JUPYTER = `cn=jupyter,${GROUPS}`;
const POSIX_JUPYTER = `cn=posix-jupyter,${GROUPS}`;

/** StartTLS (the default strategy) with the test CA, and a bind-DN template. */
function options(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    server_address: slapd.host,
    server_port: slapd.port,
    tls_kwargs: { ca_certs_file: slapd.caFile },
    bind_dn_template: [`uid={username},${PEOPLE}`],
    ...extra,
  };
}

const LOOKUP = {
  lookup_dn: true,
  bind_dn_template: [],
  user_search_base: PEOPLE,
  user_attribute: 'uid',
  lookup_dn_search_user: SEARCH_USER,
  lookup_dn_search_password: SEARCH_PASSWORD,
  lookup_dn_user_dn_attribute: 'uid',
};

function ldap(extra: Record<string, unknown> = {}) {
  const rec = recordingLogger();
  const a = createAuthenticator(ldapAuthenticatorDefinition, options(extra), {
    log: rec.log,
    accounts: new MemoryAccounts(),
  });
  const logged = () => rec.lines.map((l) => `${l.level}: ${l.msg}`).join('\n');
  return { a, logged };
}

const login = (a: Authenticator, username: string, password: string) =>
  a.authenticate({ username, password });

authenticatorContractSuite({
  label: 'ldap',
  make: () => ({ authenticator: ldap().a, account: { name: 'alice', password: PASSWORDS.alice! } }),
  // Nothing listens on the port: the server cannot be asked.
  makeBroken: async () => ldap({ server_port: await freePort() }).a,
});

test('bind_dn_template: the templates are tried in order; the typed name is the hub name', async () => {
  const { a, logged } = ldap({
    bind_dn_template: [`uid={username},ou=nowhere,dc=example,dc=org`, `uid={username},${PEOPLE}`],
    auth_state_attributes: ['mail', 'cn'],
  });
  const r = await login(a, 'alice', PASSWORDS.alice!);
  assert.deepEqual(r, {
    name: 'alice',
    groups: [],
    authState: {
      ldap_groups: [],
      user_attributes: { mail: ['alice@example.org'], cn: ['Alice Liddell'] },
    },
  });
  assert.equal(await login(a, 'alice', PASSWORDS.bob!), null, 'another user’s password');
  assert.equal(await login(a, 'nobody', PASSWORDS.alice!), null, 'unknown user');
  assert.match(logged(), /login refused for "alice": no bind succeeded/);
  assert.match(logged(), /login refused for "nobody": no bind succeeded/);
});

test('an empty or blank password is refused before the server is asked (no anonymous bind)', async () => {
  const { a, logged } = ldap();
  for (const pw of ['', '   ', '\t']) assert.equal(await login(a, 'alice', pw), null);
  assert.equal((logged().match(/empty password/g) ?? []).length, 3);
});

test('lookup_dn: the search account finds the DN (with an escaped comma); the typed name stays the hub name', async () => {
  const { a } = ldap({ ...LOOKUP, allowed_groups: [JUPYTER] });
  const r = await login(a, 'jdoe', PASSWORDS.jdoe!);
  assert.equal(r?.name, 'jdoe');
  assert.deepEqual(r?.groups, [JUPYTER], `member: ${JANE_DN}`);
  assert.equal(await login(a, 'jdoe', 'wrong'), null);
  assert.equal(await login(a, 'nobody', PASSWORDS.jdoe!), null);
});

test('lookup_dn with use_lookup_dn_username: the attribute value is the hub name; with a template it fills {username}', async () => {
  const byCn = ldap({ ...LOOKUP, lookup_dn_user_dn_attribute: 'cn', use_lookup_dn_username: true });
  assert.equal((await login(byCn.a, 'jdoe', PASSWORDS.jdoe!))?.name, 'doe, jane');
  const tpl = ldap({
    ...LOOKUP,
    lookup_dn_user_dn_attribute: 'cn',
    bind_dn_template: [`cn={username},${PEOPLE}`],
  });
  assert.equal((await login(tpl.a, 'jdoe', PASSWORDS.jdoe!))?.name, 'jdoe');
});

test('lookup_dn: a search account with a wrong password is LABHUB_ERR_LDAP, not a wrong user password', async () => {
  const { a, logged } = ldap({ ...LOOKUP, lookup_dn_search_password: 'wrong' });
  await assert.rejects(
    login(a, 'alice', PASSWORDS.alice!),
    (e) => isHubError(e) && e.code === 'LABHUB_ERR_LDAP' && e.status === 503,
  );
  assert.match(logged(), /lookup_dn_search_user .* could not bind/);
});

test('allowed_groups: groupOfNames member and posixGroup memberUid count; the policy lets in members only', async () => {
  // A group that does not exist and a malformed DN find nothing, as with ldap3.
  const opts = { allowed_groups: [JUPYTER, POSIX_JUPYTER, `cn=nope,${GROUPS}`, 'not a DN'] };
  const { a } = ldap(opts);
  const policy = createPolicy(options(opts));
  const alice = await login(a, 'alice', PASSWORDS.alice!);
  const bob = await login(a, 'bob', PASSWORDS.bob!);
  const carol = await login(a, 'carol', PASSWORDS.carol!);
  assert.deepEqual(alice?.groups, [JUPYTER]);
  assert.deepEqual(bob?.groups, [POSIX_JUPYTER]);
  assert.deepEqual(carol?.groups, [], 'carol is only in cn=staff');
  const ctx = { existsInDb: false };
  assert.equal((await policy.check(alice!, ctx)).allowed, true);
  assert.equal((await policy.check(bob!, ctx)).allowed, true);
  const no = await policy.check(carol!, ctx);
  assert.equal(no.allowed, false);
  assert.ok(!no.allowed && /none of allowed_groups/.test(no.reason));
});

test('search_filter: the bound user must be the one entry it finds', async () => {
  const base = { user_search_base: PEOPLE, user_attribute: 'uid' };
  const ok = ldap({
    ...base,
    search_filter: '(&({userattr}={username})(objectClass=posixAccount))',
  });
  assert.equal((await login(ok.a, 'alice', PASSWORDS.alice!))?.name, 'alice');
  const no = ldap({ ...base, search_filter: '(&({userattr}={username})(mail=nobody@*))' });
  assert.equal(await login(no.a, 'alice', PASSWORDS.alice!), null);
  assert.match(no.logged(), /search_filter .* found 0 entries/);
});

test('TLS: StartTLS and LDAPS with the test CA work; an unknown CA or a cleartext bind does not', async () => {
  const ldaps = ldap({ tls_strategy: 'on_connect', server_port: slapd.ldapsPort });
  assert.equal((await login(ldaps.a, 'alice', PASSWORDS.alice!))?.name, 'alice');
  for (const extra of [
    { tls_kwargs: { ca_certs_file: slapd.otherCaFile } },
    { tls_kwargs: {} }, // the system CAs do not know the test CA
    {
      tls_strategy: 'on_connect',
      server_port: slapd.ldapsPort,
      tls_kwargs: { ca_certs_file: slapd.otherCaFile },
    },
    { tls_kwargs: { ca_certs_file: '/nonexistent/ca.pem' } },
  ]) {
    const { a } = ldap(extra);
    await assert.rejects(
      login(a, 'alice', PASSWORDS.alice!),
      (e) => isHubError(e) && e.code === 'LABHUB_ERR_LDAP',
      JSON.stringify(extra),
    );
  }
  // validate 0 (ssl.CERT_NONE) accepts an unknown CA, as configured (with a warning at start).
  const unverified = ldap({ tls_kwargs: { ca_certs_file: slapd.otherCaFile, validate: 0 } });
  assert.equal((await login(unverified.a, 'alice', PASSWORDS.alice!))?.name, 'alice');
  // insecure: the password would go in clear, which this server refuses (confidentiality required).
  const clear = ldap({ tls_strategy: 'insecure' });
  assert.equal(await login(clear.a, 'alice', PASSWORDS.alice!), null);
  assert.match(clear.logged(), /result 13/);
});

test('valid_username_regex (default) refuses names with filter characters before the server is asked', async () => {
  const { a, logged } = ldap({ ...LOOKUP });
  for (const name of ['alic*', '*', ')(uid=*', 'admin)(|(uid=*', '\\00'])
    assert.equal(await login(a, name, PASSWORDS.alice!), null, name);
  // (a backslash already breaks the hub's own name rules)
  const reasons = /does not match valid_username_regex|breaks the hub username rules/g;
  assert.equal((logged().match(reasons) ?? []).length, 5);
  assert.doesNotMatch(logged(), /no bind succeeded|lookup_dn:/);
});

test('injection with a permissive valid_username_regex: escaped filters and DNs keep every attempt out', async () => {
  const permissive = { valid_username_regex: '.+' };
  // A search filter built without escaping would find alice for these, and her password would bind.
  const search = ldap({ ...LOOKUP, ...permissive });
  for (const name of [
    'alic*',
    '*',
    'alice)(uid=*',
    ')(uid=*',
    'admin)(|(uid=*',
    '\\00',
    '*)(uid=alice',
  ])
    assert.equal(await login(search.a, name, PASSWORDS.alice!), null, `lookup_dn ${name}`);
  assert.ok(await login(search.a, 'alice', PASSWORDS.alice!), 'alice herself still logs in');
  // A DN built without escaping would be uid=alice,ou=people,dc=example,dc=org: alice's entry.
  const dn = ldap({ ...permissive, bind_dn_template: ['uid={username},dc=example,dc=org'] });
  assert.equal(await login(dn.a, 'alice,ou=people', PASSWORDS.alice!), null);
  // A NUL never reaches the server (the hub's name rules refuse it).
  assert.equal(await login(search.a, 'alice\u0000', PASSWORDS.alice!), null);
  // eve's cn is "*": as {uid} in the group filter, unescaped it would match every posixGroup.
  const eve = ldap({
    ...LOOKUP,
    ...permissive,
    lookup_dn_user_dn_attribute: 'cn',
    use_lookup_dn_username: true,
    allowed_groups: [POSIX_JUPYTER],
  });
  const r = await login(eve.a, 'eve', PASSWORDS.eve!);
  assert.equal(r?.name, '*');
  assert.deepEqual(r?.groups, [], 'memberUid=\\2a matches no group');
});

test('startupNotices: none for a working config; an unknown group, a wrong search password, a dead server each warn', async () => {
  assert.deepEqual(await ldap({ ...LOOKUP, allowed_groups: [JUPYTER] }).a.startupNotices!(), []);
  assert.deepEqual(await ldap().a.startupNotices!(), [], 'without a search account: the root DSE');
  const missing = await ldap({ ...LOOKUP, allowed_groups: [JUPYTER, `cn=nope,${GROUPS}`] }).a
    .startupNotices!();
  assert.equal(missing.length, 1);
  assert.match(missing[0]!.message, /allowed_groups names "cn=nope,ou=groups,dc=example,dc=org"/);
  const badPw = await ldap({ ...LOOKUP, lookup_dn_search_password: 'wrong' }).a.startupNotices!();
  assert.match(badPw[0]?.message ?? '', /cannot bind/);
  const dead = await ldap({ server_port: await freePort() }).a.startupNotices!();
  assert.match(dead[0]?.message ?? '', /cannot reach ldap:\/\/127\.0\.0\.1:\d+: .*StartTLS failed/);
});
