import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_ROLE_SCOPES,
  defaultRoles,
  effectiveScopesForService,
  effectiveScopesForUser,
  rawScopesForUser,
  roleNameError,
  roleScopes,
  serverTokenScopes,
  tokenEffectiveScopes,
  validateLoadRoles,
} from './roles.js';
import { checkAccess, expandScopes, mayModifyAdmin, scopesSubset } from './scopes.js';

const GROUPS: Record<string, string[]> = { alice: ['x'], bob: ['x'], carol: ['y'] };
const groupsOf = (u: string): string[] => GROUPS[u] ?? [];
const sorted = (s: Iterable<string>): string[] => [...s].sort();

test('default roles have the exact scope lists of §5.1', () => {
  const byName = new Map(defaultRoles().map((r) => [r.name, r.scopes]));
  assert.deepEqual([...byName.keys()], ['user', 'admin', 'server', 'token']);
  assert.deepEqual(byName.get('user'), ['self']);
  assert.deepEqual(
    sorted(byName.get('admin')!),
    sorted(
      'admin-ui admin:users admin:servers admin:services tokens admin:groups list:services read:services read:hub proxy shutdown access:services access:servers read:roles read:metrics shares'.split(
        ' ',
      ),
    ),
  );
  assert.deepEqual(byName.get('server'), ['users:activity!user', 'access:servers!server']);
  assert.deepEqual(byName.get('token'), ['inherit']);
  const extra = defaultRoles(['read:groups!group=class', 'self']).find((r) => r.name === 'user')!;
  assert.deepEqual(extra.scopes, ['self', 'read:groups!group=class']);
});

test('role names', () => {
  for (const ok of ['abc', 'a-b_c~d.e9', `a${'b'.repeat(253)}c`])
    assert.equal(roleNameError(ok), null, ok);
  for (const bad of ['ab', 'Abc', '1ab', 'ab-', 'a b', `a${'b'.repeat(254)}c`, 42])
    assert.match(roleNameError(bad) ?? '', /Invalid role name/);
});

test('load_roles: valid entries merge over defaults', () => {
  const r = validateLoadRoles([
    {
      name: 'idle-culler',
      scopes: ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'],
      services: ['idle-culler'],
    },
    { name: 'admin', users: ['root'] },
    { name: 'server', scopes: ['inherit'] },
  ]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.roles.get('idle-culler')!.services, ['idle-culler']);
  assert.deepEqual(r.roles.get('admin')!.scopes, [...ADMIN_ROLE_SCOPES]);
  assert.deepEqual(r.roles.get('admin')!.users, ['root']);
  assert.deepEqual(r.roles.get('server')!.scopes, ['inherit']);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.roles.get('token')!.scopes[0], 'inherit');
});

test('load_roles: errors name the role and the scope, with did-you-mean', () => {
  const r = validateLoadRoles([
    { name: 'teachers', scopes: ['read:user', 'all', 'servers!grp=x'] },
    { name: 'admin', scopes: ['read:hub'] },
    { name: 'Bad Name', scopes: [] },
    { name: 'dup', scopes: [] },
    { name: 'dup', scopes: [] },
    { name: 'extra', scopes: 'proxy', colour: 'red' },
    'nope',
  ]);
  const e = r.errors.join('\n');
  assert.match(e, /role 'teachers'.*'read:user' does not exist; did you mean 'read:users'/);
  assert.match(e, /role 'teachers'.*now called 'inherit'/);
  assert.match(e, /role 'teachers'.*filter '!grp=x'/);
  assert.match(e, /role 'admin'.*cannot be redefined/);
  assert.match(e, /load_roles\[2\].*Invalid role name "Bad Name"/);
  assert.match(e, /role 'dup'.*more than once/);
  assert.match(e, /role 'extra'.*unknown key 'colour'/);
  assert.match(e, /role 'extra'.*'scopes' must be a list/);
  assert.match(e, /load_roles\[6\]: expected an object/);
  assert.equal(r.errors.length, 9);
  assert.match(validateLoadRoles({}).errors[0]!, /expected a list/);
  // same admin scopes are accepted (a no-op redefinition)
  assert.deepEqual(
    validateLoadRoles([{ name: 'admin', scopes: [...ADMIN_ROLE_SCOPES].reverse() }]).errors,
    [],
  );
  // custom scopes are checked against the configured list
  const custom = { 'custom:grades:read': { description: 'read grades' } };
  assert.deepEqual(
    validateLoadRoles([{ name: 'tas', scopes: ['custom:grades:read'] }], { customScopes: custom })
      .errors,
    [],
  );
  assert.match(
    validateLoadRoles([{ name: 'tas', scopes: ['custom:grades:write'] }], { customScopes: custom })
      .errors[0]!,
    /role 'tas'.*custom:grades:write.*custom_scopes/,
  );
  // user without self warns
  assert.match(
    validateLoadRoles([{ name: 'user', scopes: ['read:hub'] }]).warnings[0]!,
    /without 'self'/,
  );
  const redefined = validateLoadRoles([{ name: 'user', scopes: ['self', 'read:hub'] }], {
    extraUserScopes: ['read:groups'],
  });
  assert.deepEqual(redefined.roles.get('user')!.scopes, ['self', 'read:hub', 'read:groups']);
});

test('user effective scopes: user role always, admin, group roles, shares', () => {
  const { roles } = validateLoadRoles([
    { name: 'graders', scopes: ['read:users!group=class', 'list:users'] },
    { name: 'ops', scopes: ['proxy'] },
  ]);
  assert.deepEqual(sorted(roleScopes(['ops', 'missing'], roles)), ['proxy']);
  assert.deepEqual(
    sorted(rawScopesForUser({ name: 'a', admin: false, roleNames: ['ops'] }, roles)),
    ['proxy', 'self'],
  );
  const plain = effectiveScopesForUser({ name: 'alice', admin: false, roleNames: [] }, roles);
  assert.ok(plain.has('access:servers!user=alice') && plain.has('start:servers!user=alice'));
  assert.ok(!plain.has('admin:users') && !plain.has('read:users!user=bob'));
  const g = effectiveScopesForUser(
    {
      name: 'alice',
      admin: false,
      roleNames: [],
      groupRoleNames: ['graders'],
      shareScopes: ['access:servers!server=bob/'],
    },
    roles,
  );
  assert.ok(g.has('read:users!group=class') && g.has('list:users') && g.has('read:users:name'));
  assert.ok(!g.has('read:users:name!user=alice'), 'reduced: unfiltered read:users:name absorbs');
  assert.ok(g.has('access:servers!server=bob/'));
  const admin = effectiveScopesForUser({ name: 'root', admin: true, roleNames: [] }, roles);
  assert.ok(
    admin.has('admin:users') &&
      admin.has('access:servers') &&
      !admin.has('access:servers!user=root'),
  );
  assert.equal(mayModifyAdmin(admin, true), true);
});

test('CVE-2024-41942: a non-admin with an admin:users role cannot modify admin, although it may manage users', () => {
  const { roles } = validateLoadRoles([{ name: 'user-manager', scopes: ['admin:users'] }]);
  const mgr = effectiveScopesForUser(
    { name: 'mallory', admin: false, roleNames: ['user-manager'] },
    roles,
  );
  assert.equal(checkAccess(mgr, ['admin:users'], { user: 'mallory' }, groupsOf), 'granted');
  assert.equal(mayModifyAdmin(mgr, false), false);
  // and a token of a real admin limited to read scopes cannot either
  const admin = effectiveScopesForUser({ name: 'root', admin: true, roleNames: [] }, roles);
  const tok = tokenEffectiveScopes(
    { rawScopes: ['read:users'], owner: { kind: 'user', name: 'root' }, ownerScopes: admin },
    groupsOf,
  );
  assert.equal(mayModifyAdmin(tok, true), false);
  const full = tokenEffectiveScopes(
    { rawScopes: ['inherit'], owner: { kind: 'user', name: 'root' }, ownerScopes: admin },
    groupsOf,
  );
  assert.equal(mayModifyAdmin(full, true), true);
});

test('service effective scopes: !service resolves to itself, self grants nothing, admin flag', () => {
  const { roles } = validateLoadRoles([
    { name: 'svc-role', scopes: ['access:services!service', 'list:users', 'self'] },
  ]);
  const w: string[] = [];
  const s = effectiveScopesForService(
    { name: 'culler', roleNames: ['svc-role'] },
    roles,
    undefined,
    w,
  );
  assert.deepEqual(sorted(s), ['access:services!service=culler', 'list:users', 'read:users:name']);
  assert.equal(w.length, 1);
  assert.ok(
    effectiveScopesForService({ name: 'legacy', admin: true, roleNames: [] }, roles).has(
      'admin:users',
    ),
  );
});

test('server token scopes (§1.4 step 2)', () => {
  const { roles } = validateLoadRoles([]);
  const owner = rawScopesForUser({ name: 'alice', admin: false, roleNames: [] }, roles);
  const def = serverTokenScopes(
    { userName: 'alice', serverName: 'gpu', ownerRawScopes: owner, rolesByName: roles },
    groupsOf,
  );
  assert.deepEqual(def.scopes, ['access:servers!server=alice/gpu', 'users:activity!user']);
  assert.deepEqual(def.warnings, []);
  const cfg = serverTokenScopes(
    {
      userName: 'alice',
      serverName: '',
      configured: ['read:servers!server', 'proxy', 'read:users:name!user'],
      ownerRawScopes: owner,
      rolesByName: roles,
    },
    groupsOf,
  );
  assert.deepEqual(cfg.scopes, [
    'read:servers!server=alice/',
    'read:users:name!user',
    'users:activity!user',
  ]);
  assert.ok(cfg.warnings.some((w) => w.includes("lack 'users:activity!user'")));
  assert.ok(cfg.warnings.some((w) => w.includes('proxy')));
  const inh = serverTokenScopes(
    {
      userName: 'alice',
      serverName: '',
      configured: ['inherit'],
      ownerRawScopes: owner,
      rolesByName: roles,
    },
    groupsOf,
  );
  assert.deepEqual(inh.scopes, ['inherit']);
  assert.deepEqual(inh.warnings, []);
});

test('token effective scopes (§5.4, §3.5)', () => {
  const { roles } = validateLoadRoles([{ name: 'readers', scopes: ['read:users!group=x'] }]);
  const alice = effectiveScopesForUser(
    { name: 'alice', admin: false, roleNames: ['readers'] },
    roles,
  );
  const owner = { kind: 'user' as const, name: 'alice' };
  // inherit ⇒ owner scopes
  assert.deepEqual(
    sorted(tokenEffectiveScopes({ rawScopes: ['inherit'], owner, ownerScopes: alice }, groupsOf)),
    sorted(alice),
  );
  // OAuth token of alice's server: the §3.5 example
  const oauth = tokenEffectiveScopes(
    {
      rawScopes: ['read:users:name!user', 'read:users:groups!user'],
      owner,
      ownerScopes: alice,
      oauthClient: { server: 'alice/' },
    },
    groupsOf,
  );
  assert.deepEqual(sorted(oauth), [
    'access:servers!server=alice/',
    'read:users:groups!user=alice',
    'read:users:name!user=alice',
  ]);
  // scopes the owner lost are discarded; filtered ones narrowed
  const w: string[] = [];
  const api = tokenEffectiveScopes(
    { rawScopes: ['proxy', 'read:users', 'access:servers!server=bob/'], owner, ownerScopes: alice },
    groupsOf,
    w,
  );
  assert.ok(!api.has('proxy') && !api.has('access:servers!server=bob/'));
  assert.ok(api.has('read:users!group=x') && api.has('read:users!user=alice'));
  assert.ok(!api.has('read:users'));
  assert.match(w[0]!, /Discarding token scopes.*proxy/);
  // revoking a role narrows at once
  const aliceNow = effectiveScopesForUser({ name: 'alice', admin: false, roleNames: [] }, roles);
  const api2 = tokenEffectiveScopes(
    { rawScopes: ['read:users'], owner, ownerScopes: aliceNow },
    groupsOf,
  );
  assert.equal(checkAccess(api2, ['read:users'], { user: 'bob' }, groupsOf), 'filtered');
  // token scopes at creation ⊆ owner's: the 400 check
  assert.deepEqual(
    scopesSubset(
      expandScopes(['proxy', 'read:users!user=bob', 'servers!server=alice/'], { owner }),
      alice,
      groupsOf,
    ),
    ['proxy'],
  );
});
