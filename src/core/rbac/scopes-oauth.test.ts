import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  oauthGrantedScopes,
  oauthRequestedScopes,
  resolveRequestedScopes,
} from './scopes-oauth.js';
import { accessScopesFor } from './scopes.js';

const GROUPS: Record<string, string[]> = { alice: ['x'] };
const groupsOf = (u: string): string[] => GROUPS[u] ?? [];
const sorted = (s: Iterable<string>): string[] => [...s].sort();

const access = accessScopesFor({ server: 'alice/' });

test('authorize without scope: allowed ∪ identify ∪ access (inherit: allowed only)', () => {
  const r = oauthRequestedScopes({ clientAllowed: ['read:users!user'], accessScopes: access });
  assert.ok(r.ok);
  assert.deepEqual(sorted(r.scopes), [
    'access:servers!server=alice/',
    'read:users!user',
    'read:users:groups!user',
    'read:users:name!user',
  ]);
  const i = oauthRequestedScopes({
    clientAllowed: ['inherit'],
    accessScopes: access,
    scopeParam: '',
  });
  assert.ok(i.ok);
  assert.deepEqual(sorted(i.scopes), ['inherit']);
});

test('authorize with scope: identify dropped, roles converted, unknown and not-allowed rejected', () => {
  const roles = new Map([['viewer', ['read:users!user']]]);
  const base = {
    clientAllowed: ['read:users!user'],
    accessScopes: access,
    roleScopes: (n: string) => roles.get(n),
  };
  const ok = oauthRequestedScopes({ ...base, scopeParam: 'identify  viewer' });
  assert.ok(ok.ok);
  assert.deepEqual(sorted(ok.scopes), [
    'access:servers!server=alice/',
    'read:users!user',
    'read:users:groups!user',
    'read:users:name!user',
  ]);
  const unknown = oauthRequestedScopes({ ...base, scopeParam: 'read:user' });
  assert.ok(!unknown.ok);
  assert.equal(unknown.error, 'invalid_scope');
  assert.match(unknown.description, /'read:user' does not exist; did you mean 'read:users'/);
  const notAllowed = oauthRequestedScopes({ ...base, scopeParam: 'admin:users' });
  assert.ok(!notAllowed.ok);
  assert.match(notAllowed.description, /not allowed for this client: admin:users/);
});

test('granted = requested ∩ user scopes with filter semantics', () => {
  const g = oauthGrantedScopes(
    {
      requested: [
        'access:servers!server=alice/',
        'read:users:name!user',
        'read:users:groups!user',
        'read:servers!server',
        'proxy',
        'read:users!group=x',
      ],
      userRawScopes: ['self'],
      userName: 'alice',
      client: { server: 'alice/' },
      accessScopes: access,
    },
    groupsOf,
  );
  // read:servers!server (→ alice/) is covered by self's read:servers!user=alice and stays abbreviated
  // read:users!group=x is only partly held (alice ∈ x, via self): the covered part is granted
  assert.deepEqual(sorted(g.granted), [
    'access:servers!server=alice/',
    'read:servers!server',
    'read:users!user=alice',
    'read:users:activity!user=alice',
    'read:users:groups!user',
    'read:users:groups!user=alice',
    'read:users:name!user',
    'read:users:name!user=alice',
  ]);
  assert.deepEqual(sorted(g.denied), ['proxy', 'read:users!group=x']);
});

test('partly covered scopes grant the covered part and are reported', () => {
  const r = resolveRequestedScopes(['read:users!group=x'], ['read:users:name'], {}, groupsOf);
  assert.deepEqual(sorted(r.granted), ['read:users:name!group=x']);
  assert.deepEqual(r.denied, ['read:users!group=x']);
  const inh = resolveRequestedScopes(
    ['inherit'],
    ['self', 'inherit'],
    { owner: { kind: 'user', name: 'alice' } },
    groupsOf,
  );
  assert.deepEqual(sorted(inh.granted), ['inherit']);
});
