// Scope parsing and custom scopes, access checks (advisories included), intersection, subsets,
// missing-scope messages. Expansion: scopes-expansion.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IDENTIFY_SCOPES,
  checkAccess,
  checkAccessLoadingGroups,
  describeMissing,
  expandScopes,
  filtersFor,
  intersectScopes,
  isKnownScope,
  mayModifyAdmin,
  parseScope,
  scopeError,
  scopesSubset,
  suggestScope,
  validateCustomScopes,
  accessScopesFor,
  identifyScopesFor,
} from './scopes.js';

const GROUPS: Record<string, string[]> = { alice: ['x', 'staff'], bob: ['x'], carol: ['y'] };
const groupsOf = (u: string): string[] => GROUPS[u] ?? [];
const sorted = (s: Iterable<string>): string[] => [...s].sort();

test('parseScope and scopeError / isKnownScope', () => {
  assert.deepEqual(parseScope('read:users'), { base: 'read:users' });
  assert.deepEqual(parseScope('read:users!user=a'), {
    base: 'read:users',
    filter: { kind: 'user', value: 'a' },
  });
  assert.deepEqual(parseScope('access:servers!server'), {
    base: 'access:servers',
    filter: { kind: 'server' },
  });
  assert.deepEqual(parseScope('x!server=a/b=c'), {
    base: 'x',
    filter: { kind: 'server', value: 'a/b=c' },
  });
  assert.equal(parseScope('x!group'), null, '!group has no self form');
  assert.equal(parseScope('x!team=a'), null);
  assert.equal(parseScope(''), null);

  for (const ok of [
    'read:users',
    'self',
    'inherit',
    '(no_scope)',
    'read:users!user',
    'servers!server=a/',
    'groups!group=g',
    'access:services!service=s',
    'read:servers!server',
  ]) {
    assert.equal(isKnownScope(ok), true, ok);
  }
  const cases: [string, RegExp][] = [
    ['all', /now called 'inherit'/],
    ['all!user=a', /now called 'inherit'/],
    ['read:user', /does not exist; did you mean 'read:users'/],
    ['read:users!team=x', /filter '!team=x'.*does not exist/],
    ['read:users!group', /does not exist/],
    ['servers!server=alice', /<user>\/<server>.*'alice\/'/],
    ['read:users!user=', /needs a name/],
    ['self!user=a', /cannot be filtered/],
    ['custom:foo:read', /JupyterHub.custom_scopes/],
  ];
  for (const [s, re] of cases) {
    assert.match(scopeError(s) ?? '', re, s);
    assert.equal(isKnownScope(s), false, s);
  }
  assert.equal(isKnownScope('totally-unknown'), false);
});

test('custom scopes: validated, known when configured, expand their subscopes', () => {
  const custom = {
    'custom:grades:write': { description: 'write grades', subscopes: ['custom:grades:read'] },
    'custom:grades:read': { description: 'read grades' },
  };
  assert.deepEqual(validateCustomScopes(custom), []);
  assert.equal(isKnownScope('custom:grades:read!group=class', custom), true);
  assert.equal(isKnownScope('custom:grades:admin', custom), false);
  assert.deepEqual(
    sorted(expandScopes(['custom:grades:write!group=c'], { customScopes: custom })),
    ['custom:grades:read!group=c', 'custom:grades:write!group=c'],
  );
  const errs = validateCustomScopes({
    'grades:read': { description: '' },
    'custom:a:b': { description: 'x', subscopes: ['read:users'] },
  });
  assert.equal(errs.length, 3);
  assert.ok(errs.some((e) => e.includes("'grades:read'") && e.includes('custom:')));
  assert.ok(errs.some((e) => e.includes("'read:users' must be another custom scope")));
  assert.equal(suggestScope('custom:grade:read', custom), 'custom:grades:read');
});

test('checkAccess: hierarchy server ⊂ user ⊂ group, 404 vs 403', () => {
  const held = expandScopes([
    'servers!user=alice',
    'read:users!group=x',
    'access:servers!server=bob/gpu',
    'read:groups!group=x',
    'access:services!service=s',
  ]);
  const table: [string[], object, string][] = [
    [['servers'], { user: 'alice' }, 'granted'],
    [['servers'], { user: 'alice', server: 'alice/gpu' }, 'granted'],
    [['servers'], { server: 'alice/' }, 'granted'],
    [['servers'], { server: 'bob/' }, 'filtered'],
    [['read:users'], { user: 'bob' }, 'granted'], // bob ∈ x
    [['read:users'], { user: 'carol' }, 'filtered'],
    [['read:users'], { server: 'bob/any' }, 'granted'], // server covered by group of its user
    [['access:servers'], { server: 'bob/gpu' }, 'granted'],
    [['access:servers'], { server: 'bob/' }, 'filtered'],
    [['access:servers'], { user: 'bob' }, 'filtered'], // a server filter does not cover its user
    [['read:groups'], { group: 'x' }, 'granted'],
    [['read:groups'], { group: 'y' }, 'filtered'],
    [['access:services'], { service: 's' }, 'granted'],
    [['access:services'], { service: 't' }, 'filtered'],
    [['admin:users'], { user: 'alice' }, 'missing'],
    [['servers'], {}, 'granted'], // list endpoint: caller filters rows
    [['admin:users', 'servers'], { user: 'alice' }, 'granted'],
    [['read:users', 'servers'], { user: 'alice' }, 'granted'], // both filtered; second matches
    [['(no_scope)'], { user: 'zed' }, 'granted'],
  ];
  for (const [anyOf, resource, want] of table) {
    assert.equal(
      checkAccess(held, anyOf, resource, groupsOf),
      want,
      `${anyOf} on ${JSON.stringify(resource)}`,
    );
  }
  assert.equal(
    checkAccess(new Set(['admin:users']), ['admin:users'], { user: 'nobody' }, groupsOf),
    'granted',
  );
});

test('checkAccessLoadingGroups: same decisions, groups loaded only when a group filter decides', async () => {
  const held = expandScopes(['servers!user=alice', 'read:users!group=x', 'admin:groups']);
  const table: [string[], object, string, boolean][] = [
    [['servers'], { user: 'alice' }, 'granted', false], // user filter matches first
    [['admin:groups'], { group: 'y' }, 'granted', false], // unfiltered
    [['servers'], { server: 'bob/' }, 'filtered', false], // no group filter held
    [['read:users'], { user: 'bob' }, 'granted', true], // bob ∈ x: needs the groups
    [['read:users'], { user: 'carol' }, 'filtered', true],
    [['read:users', 'servers'], { user: 'alice' }, 'granted', false],
    [['admin:users'], { user: 'bob' }, 'missing', false],
  ];
  for (const [anyOf, resource, want, loads] of table) {
    let loaded = 0;
    const got = await checkAccessLoadingGroups(held, anyOf, resource, async () => {
      loaded++;
      return groupsOf;
    });
    const what = `${anyOf} on ${JSON.stringify(resource)}`;
    assert.equal(got, want, what);
    assert.equal(got, checkAccess(held, anyOf, resource, groupsOf), what);
    assert.equal(loaded, loads ? 1 : 0, `groups loaded for ${what}`);
  }
});

test('GHSA-69wv-m5fw-2fhp: filtered admin scopes give no power outside their group', () => {
  const held = expandScopes(['admin:users!group=x', 'admin:groups!group=x']);
  assert.ok(
    held.has('delete:users!group=x') &&
      held.has('users!group=x') &&
      held.has('admin:auth_state!group=x'),
  );
  assert.ok(!held.has('admin:users') && !held.has('delete:users'));
  assert.equal(checkAccess(held, ['admin:users'], { user: 'bob' }, groupsOf), 'granted');
  assert.equal(checkAccess(held, ['admin:users'], { user: 'carol' }, groupsOf), 'filtered');
  assert.equal(checkAccess(held, ['delete:users'], { user: 'carol' }, groupsOf), 'filtered');
  assert.equal(checkAccess(held, ['users'], { user: 'stranger' }, groupsOf), 'filtered');
  assert.equal(checkAccess(held, ['admin:groups'], { group: 'x' }, groupsOf), 'granted');
  assert.equal(checkAccess(held, ['admin:groups'], { group: 'y' }, groupsOf), 'filtered');
  assert.equal(checkAccess(held, ['groups'], { group: 'staff' }, groupsOf), 'filtered');
  assert.equal(checkAccess(held, ['delete:groups'], { group: 'y' }, groupsOf), 'filtered');
  // it is not a server-admin scope at all
  assert.equal(checkAccess(held, ['admin:servers'], { server: 'bob/' }, groupsOf), 'missing');
  // list endpoints must post-filter: filtersFor tells them how
  assert.deepEqual(filtersFor(held, 'list:users'), { group: new Set(['x']) });
  assert.equal(filtersFor(held, 'proxy'), null);
  assert.equal(filtersFor(new Set(['proxy']), 'proxy'), 'all');
});

test('CVE-2024-41942: only admin users holding unfiltered admin:users may modify admin', () => {
  const custom = expandScopes(['admin:users']);
  assert.equal(mayModifyAdmin(custom, false), false, 'admin:users via a custom role is not enough');
  assert.equal(mayModifyAdmin(custom, true), true);
  assert.equal(
    mayModifyAdmin(expandScopes(['admin:users!group=x']), true),
    false,
    'filtered admin:users',
  );
  assert.equal(mayModifyAdmin(expandScopes(['read:users']), true), false, 'admin narrowed token');
});

test('intersection with filter semantics', () => {
  const cases: [string[], string[], string[]][] = [
    [
      ['access:servers!server=alice/'],
      ['access:servers!user=alice'],
      ['access:servers!server=alice/'],
    ],
    [
      ['access:servers!user=alice'],
      ['access:servers!server=alice/'],
      ['access:servers!server=alice/'],
    ],
    [['access:servers'], ['access:servers!user=bob'], ['access:servers!user=bob']],
    [['access:servers!user=bob'], ['access:servers'], ['access:servers!user=bob']],
    [['proxy'], ['proxy'], ['proxy']],
    [['proxy'], ['shutdown'], []],
    [['x!user=alice'], ['x!group=x'], ['x!user=alice']],
    [['x!user=carol'], ['x!group=x'], []],
    [['x!server=bob/gpu'], ['x!group=x'], ['x!server=bob/gpu']],
    [['x!group=x'], ['x!group=y'], []],
    [['x!group=x'], ['x!group=x', 'x!user=carol'], ['x!group=x']],
    [['x!service=a'], ['x!service=b'], []],
    [['x!service=a', 'x!user=alice'], ['x!service=a', 'x!user=bob'], ['x!service=a']],
    [['x!server=alice/'], ['x!server=alice/gpu'], []],
  ];
  for (const [a, b, want] of cases) {
    assert.deepEqual(sorted(intersectScopes(a, b, groupsOf)), want, `${a} ∩ ${b}`);
  }
});

test('scopesSubset reports uncovered scopes', () => {
  const owner = expandScopes(['self', 'read:groups!group=x'], {
    owner: { kind: 'user', name: 'alice' },
  });
  assert.deepEqual(
    scopesSubset(
      ['access:servers!server=alice/gpu', 'read:users!user=alice', 'read:groups!group=x'],
      owner,
      groupsOf,
    ),
    [],
  );
  assert.deepEqual(
    scopesSubset(
      ['access:servers', 'read:users!user=bob', 'proxy', 'read:groups!group=y'],
      owner,
      groupsOf,
    ),
    ['access:servers', 'proxy', 'read:groups!group=y', 'read:users!user=bob'],
  );
  assert.deepEqual(scopesSubset(['x!user=bob'], new Set(['x!group=x']), groupsOf), []);
});

test('describeMissing, identify and access scopes', () => {
  assert.equal(
    describeMissing(['admin:users', 'users']),
    'Action is not authorized with current scopes; requires any of [admin:users, users]',
  );
  assert.deepEqual(IDENTIFY_SCOPES, ['read:users:name!user', 'read:users:groups!user']);
  assert.deepEqual(sorted(identifyScopesFor({ kind: 'user', name: 'a' })), [
    'read:users:groups!user=a',
    'read:users:name!user=a',
  ]);
  assert.deepEqual(sorted(identifyScopesFor({ kind: 'service', name: 's' })), [
    'read:services:name!service=s',
  ]);
  assert.deepEqual(sorted(accessScopesFor({ server: 'alice/' })), ['access:servers!server=alice/']);
  assert.deepEqual(sorted(accessScopesFor({ service: 'culler' })), [
    'access:services!service=culler',
  ]);
  assert.equal(accessScopesFor({}).size, 0);
});
