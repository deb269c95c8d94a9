// Scope expansion by hand-written table (hub-protocol.md §5.2), self and inherit, reduction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCOPE_DEFINITIONS, expandScopes, reduceScopes } from './scopes.js';

const sorted = (s: Iterable<string>): string[] => [...s].sort();

// Written out by hand from hub-protocol.md §5.2 (not derived from SCOPE_DEFINITIONS).
const EXPANSION: Record<string, string[]> = {
  'admin-ui': ['admin-ui'],
  'admin:users': [
    'admin:users',
    'admin:auth_state',
    'users',
    'read:users',
    'list:users',
    'users:activity',
    'read:users:name',
    'read:users:groups',
    'read:users:activity',
    'read:roles:users',
    'delete:users',
  ],
  'admin:auth_state': ['admin:auth_state'],
  users: [
    'users',
    'read:users',
    'list:users',
    'users:activity',
    'read:users:name',
    'read:users:groups',
    'read:users:activity',
  ],
  'delete:users': ['delete:users'],
  'list:users': ['list:users', 'read:users:name'],
  'read:users': ['read:users', 'read:users:name', 'read:users:groups', 'read:users:activity'],
  'read:users:name': ['read:users:name'],
  'read:users:groups': ['read:users:groups'],
  'read:users:activity': ['read:users:activity'],
  'read:roles': ['read:roles', 'read:roles:users', 'read:roles:services', 'read:roles:groups'],
  'read:roles:users': ['read:roles:users'],
  'read:roles:services': ['read:roles:services'],
  'read:roles:groups': ['read:roles:groups'],
  'users:activity': ['users:activity', 'read:users:activity'],
  'admin:servers': [
    'admin:servers',
    'admin:server_state',
    'servers',
    'read:servers',
    'start:servers',
    'delete:servers',
    'read:users:name',
  ],
  'admin:server_state': ['admin:server_state'],
  servers: ['servers', 'read:servers', 'start:servers', 'delete:servers', 'read:users:name'],
  'read:servers': ['read:servers', 'read:users:name'],
  'start:servers': ['start:servers'],
  'delete:servers': ['delete:servers'],
  tokens: ['tokens', 'read:tokens'],
  'read:tokens': ['read:tokens'],
  'admin:groups': [
    'admin:groups',
    'groups',
    'read:groups',
    'list:groups',
    'read:groups:name',
    'read:roles:groups',
    'delete:groups',
  ],
  groups: ['groups', 'read:groups', 'list:groups', 'read:groups:name'],
  'list:groups': ['list:groups', 'read:groups:name'],
  'read:groups': ['read:groups', 'read:groups:name'],
  'read:groups:name': ['read:groups:name'],
  'delete:groups': ['delete:groups'],
  'admin:services': [
    'admin:services',
    'list:services',
    'read:services',
    'read:services:name',
    'read:roles:services',
  ],
  'list:services': ['list:services', 'read:services:name'],
  'read:services': ['read:services', 'read:services:name'],
  'read:services:name': ['read:services:name'],
  'read:hub': ['read:hub'],
  'access:servers': ['access:servers'],
  'access:services': ['access:services'],
  'users:shares': ['users:shares', 'read:users:shares'],
  'read:users:shares': ['read:users:shares'],
  'groups:shares': ['groups:shares', 'read:groups:shares'],
  'read:groups:shares': ['read:groups:shares'],
  'read:shares': ['read:shares'],
  shares: [
    'shares',
    'access:servers',
    'read:shares',
    'users:shares',
    'read:users:shares',
    'groups:shares',
    'read:groups:shares',
  ],
  proxy: ['proxy'],
  shutdown: ['shutdown'],
  'read:metrics': ['read:metrics'],
};

test('the expansion table covers every non-meta scope of the vocabulary', () => {
  const vocab = Object.keys(SCOPE_DEFINITIONS).filter(
    (s) => !['self', 'inherit', '(no_scope)'].includes(s),
  );
  assert.deepEqual(sorted(vocab), sorted(Object.keys(EXPANSION)));
  assert.equal(vocab.length, 45);
});

for (const [scope, expected] of Object.entries(EXPANSION)) {
  test(`expand ${scope} (unfiltered, !user=, !group=, !server=)`, () => {
    assert.deepEqual(sorted(expandScopes([scope])), sorted(expected));
    assert.deepEqual(
      sorted(expandScopes([`${scope}!user=ann`])),
      sorted(expected.map((s) => `${s}!user=ann`)),
    );
    assert.deepEqual(
      sorted(expandScopes([`${scope}!group=g`])),
      sorted(expected.map((s) => `${s}!group=g`)),
    );
    const viaServer = expected
      .filter((s) => !s.startsWith('read:users'))
      .map((s) => `${s}!server=ann/`);
    assert.deepEqual(sorted(expandScopes([`${scope}!server=ann/`])), sorted(viaServer));
  });
}

test('read:servers!server= does not imply reading user names', () => {
  assert.deepEqual(sorted(expandScopes(['read:servers!server=alice/gpu'])), [
    'read:servers!server=alice/gpu',
  ]);
  assert.ok(expandScopes(['read:servers!user=alice']).has('read:users:name!user=alice'));
});

test('self expands to the 6.0 user list with !user=<name>, and to nothing for services', () => {
  const got = expandScopes(['self'], { owner: { kind: 'user', name: 'alice' } });
  const base = [
    'read:users',
    'read:users:name',
    'read:users:groups',
    'read:users:activity',
    'users:shares',
    'read:users:shares',
    'read:shares',
    'users:activity',
    'servers',
    'read:servers',
    'start:servers',
    'delete:servers',
    'tokens',
    'read:tokens',
    'access:servers',
  ];
  assert.deepEqual(sorted(got), sorted(base.map((s) => `${s}!user=alice`)));
  const warnings: string[] = [];
  assert.equal(
    expandScopes(['self'], { owner: { kind: 'service', name: 'culler' } }, warnings).size,
    0,
  );
  assert.match(warnings[0]!, /self/);
});

test('self-references resolve against owner and OAuth client; unresolvable ones are dropped with warnings', () => {
  const ctx = { owner: { kind: 'user' as const, name: 'alice' }, oauthClientServer: 'alice/gpu' };
  assert.deepEqual(sorted(expandScopes(['read:users:name!user', 'access:servers!server'], ctx)), [
    'access:servers!server=alice/gpu',
    'read:users:name!user=alice',
  ]);
  const warnings: string[] = [];
  const got = expandScopes(
    ['access:services!service', 'access:servers!server', 'read:users:name!user'],
    { owner: { kind: 'user', name: 'alice' } },
    warnings,
  );
  assert.deepEqual(sorted(got), ['read:users:name!user=alice']);
  assert.equal(warnings.length, 2);
  assert.ok(
    warnings.some((w) => w.includes('!service')) && warnings.some((w) => w.includes('!server')),
  );
  // service owner resolves !service, not !user
  const w2: string[] = [];
  assert.deepEqual(
    sorted(
      expandScopes(
        ['read:services!service', 'read:users!user'],
        { owner: { kind: 'service', name: 'svc' } },
        w2,
      ),
    ),
    ['read:services!service=svc', 'read:services:name!service=svc'],
  );
  assert.equal(w2.length, 1);
  // the issuing service wins over the owner for !service
  assert.deepEqual(
    sorted(
      expandScopes(['access:services!service'], {
        owner: { kind: 'user', name: 'a' },
        oauthClientService: 'grader',
      }),
    ),
    ['access:services!service=grader'],
  );
  // !server resolved, then read:users* subscopes skipped
  assert.deepEqual(sorted(expandScopes(['read:servers!server'], ctx)), [
    'read:servers!server=alice/gpu',
  ]);
});

test('inherit: literal without owner scopes, owner scopes with them; (no_scope) vanishes; unknown dropped', () => {
  assert.deepEqual(sorted(expandScopes(['inherit'])), ['inherit']);
  assert.deepEqual(
    sorted(expandScopes(['inherit'], { ownerScopes: new Set(['proxy', 'read:hub']) })),
    ['proxy', 'read:hub'],
  );
  assert.equal(expandScopes(['(no_scope)']).size, 0);
  const w: string[] = [];
  assert.deepEqual(sorted(expandScopes(['nope', 'proxy'], {}, w)), ['proxy']);
  assert.match(w[0]!, /nope/);
});

test('reduction: unfiltered beats filtered; filtered forms of different kinds add up', () => {
  assert.deepEqual(
    sorted(reduceScopes(['access:servers', 'access:servers!user=a', 'x!user=a', 'x!group=g'])),
    ['access:servers', 'x!group=g', 'x!user=a'],
  );
  assert.deepEqual(sorted(expandScopes(['read:users!user=a', 'read:users:name'])), [
    'read:users!user=a',
    'read:users:activity!user=a',
    'read:users:groups!user=a',
    'read:users:name',
  ]);
});
