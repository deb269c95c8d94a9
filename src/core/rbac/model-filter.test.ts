import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../util/json.js';
import {
  filterGroupModel,
  filterServerModel,
  filterServiceModel,
  filterTokenModel,
  filterUserModel,
  userModelFilter,
} from './model-filter.js';
import { expandScopes } from './scopes.js';

const GROUPS: Record<string, string[]> = { alice: ['x'], bob: ['y'] };
const groupsOf = (u: string): string[] => GROUPS[u] ?? [];
const keys = (o: JsonObject | null): string[] => (o ? Object.keys(o).sort() : ['<null>']);

const server = (name: string): JsonObject => ({
  name,
  display_name: name,
  full_name: `alice/${name}`,
  ready: true,
  pending: null,
  stopped: false,
  url: `/user/alice/${name ? `${name}/` : ''}`,
  progress_url: '/hub/api/users/alice/server/progress',
  full_url: null,
  full_progress_url: null,
  started: '2026-01-01T00:00:00.000Z',
  last_activity: null,
  user_options: {},
  state: { pid: 42 },
});
const alice: JsonObject = {
  kind: 'user',
  name: 'alice',
  admin: false,
  user_info: null,
  roles: ['user'],
  groups: ['x'],
  server: '/user/alice/',
  pending: null,
  created: '2026-01-01T00:00:00.000Z',
  last_activity: null,
  servers: { '': server(''), gpu: server('gpu') },
  auth_state: { secret: 1 },
  internal_field: 'never shown',
};
const ALL_USER = [
  'admin',
  'created',
  'groups',
  'kind',
  'last_activity',
  'name',
  'pending',
  'roles',
  'server',
  'user_info',
];

test('user model keys per scope (table)', () => {
  const table: [string[], string[]][] = [
    [['read:users:name'], ['admin', 'kind', 'name', 'user_info']],
    [['list:users'], ['admin', 'kind', 'name', 'user_info']],
    [['read:users:groups'], ['groups', 'kind', 'name']],
    [['read:users:activity'], ['kind', 'last_activity', 'name']],
    [['read:roles:users'], ['admin', 'kind', 'name', 'roles']],
    [['read:users'], ALL_USER],
    [['read:users!user=alice'], ALL_USER],
    [['read:users!group=x'], ALL_USER],
    [['read:users!user=bob'], ['<null>']],
    [['read:users!group=y'], ['<null>']],
    [['admin:auth_state'], ['auth_state', 'kind', 'name']],
    [['read:servers'], ['admin', 'kind', 'name', 'servers', 'user_info']], // implies read:users:name
    [['read:servers!server=alice/gpu'], ['kind', 'name', 'servers']],
    [['admin:users'], [...ALL_USER, 'auth_state'].sort()],
    [['proxy'], ['<null>']],
  ];
  for (const [scopes, want] of table) {
    assert.deepEqual(
      keys(filterUserModel(alice, expandScopes(scopes), groupsOf)),
      want,
      scopes.join(' '),
    );
  }
});

test('servers are filtered per server; state needs admin:server_state', () => {
  const one = filterUserModel(alice, expandScopes(['read:servers!server=alice/gpu']), groupsOf)!;
  assert.deepEqual(Object.keys(one.servers as JsonObject), ['gpu']);
  assert.ok(!('state' in ((one.servers as JsonObject).gpu as JsonObject)));
  const admin = filterUserModel(alice, expandScopes(['admin:servers!user=alice']), groupsOf)!;
  assert.deepEqual(Object.keys(admin.servers as JsonObject).sort(), ['', 'gpu']);
  assert.deepEqual(((admin.servers as JsonObject).gpu as JsonObject).state, { pid: 42 });
  // allowed but no servers: key present and empty
  const none = filterUserModel(
    { ...alice, servers: {} },
    expandScopes(['read:servers!user=alice']),
    groupsOf,
  )!;
  assert.deepEqual(none.servers, {});
  // read:users alone does not reveal servers
  assert.ok(!('servers' in filterUserModel(alice, expandScopes(['read:users']), groupsOf)!));
  assert.equal(
    filterServerModel(
      server('gpu'),
      'alice',
      expandScopes(['read:servers!server=alice/']),
      groupsOf,
    ),
    null,
  );
  assert.deepEqual(
    keys(filterServerModel(server(''), 'alice', expandScopes(['read:servers!group=x']), groupsOf))
      .length,
    13,
  );
});

test('self scopes show the user everything about itself except auth_state, and nothing about others', () => {
  const mine = expandScopes(['self'], { owner: { kind: 'user', name: 'alice' } });
  const m = filterUserModel(alice, mine, groupsOf)!;
  assert.deepEqual(keys(m), [...ALL_USER, 'servers'].sort());
  assert.ok(!('state' in ((m.servers as JsonObject)[''] as JsonObject)));
  assert.equal(filterUserModel({ ...alice, name: 'bob' }, mine, groupsOf), null);
});

test('group model', () => {
  const g: JsonObject = {
    kind: 'group',
    name: 'x',
    users: ['alice'],
    properties: { a: 1 },
    roles: ['r'],
  };
  const table: [string[], string[]][] = [
    [['read:groups'], ['kind', 'name', 'properties', 'users']],
    [['read:groups:name'], ['kind', 'name']],
    [['list:groups'], ['kind', 'name']],
    [['read:roles:groups'], ['kind', 'name', 'roles']],
    [['admin:groups'], ['kind', 'name', 'properties', 'roles', 'users']],
    [['admin:groups!group=x'], ['kind', 'name', 'properties', 'roles', 'users']],
    [['admin:groups!group=y'], ['<null>']],
    [['read:users'], ['<null>']],
  ];
  for (const [scopes, want] of table)
    assert.deepEqual(
      keys(filterGroupModel(g, expandScopes(scopes), groupsOf)),
      want,
      scopes.join(' '),
    );
});

test('service model', () => {
  const s: JsonObject = {
    kind: 'service',
    name: 'culler',
    admin: false,
    roles: ['r'],
    url: '',
    prefix: '',
    command: ['x'],
    pid: 3,
    info: {},
    display: true,
  };
  const table: [string[], string[]][] = [
    [
      ['read:services'],
      ['admin', 'command', 'display', 'info', 'kind', 'name', 'pid', 'prefix', 'url'],
    ],
    [['read:services:name'], ['admin', 'kind', 'name']],
    [['read:roles:services'], ['admin', 'kind', 'name', 'roles']],
    [
      ['admin:services'],
      ['admin', 'command', 'display', 'info', 'kind', 'name', 'pid', 'prefix', 'roles', 'url'],
    ],
    [['read:services!service=other'], ['<null>']],
  ];
  for (const [scopes, want] of table)
    assert.deepEqual(
      keys(filterServiceModel(s, expandScopes(scopes), groupsOf)),
      want,
      scopes.join(' '),
    );
});

test('token model', () => {
  const t: JsonObject = {
    user: 'alice',
    id: 'a1',
    kind: 'api_token',
    roles: [],
    scopes: [],
    note: 'n',
    token: 'secret',
  };
  assert.equal(filterTokenModel(t, expandScopes(['read:tokens!user=bob']), groupsOf), null);
  const v = filterTokenModel(t, expandScopes(['tokens!group=x']), groupsOf)!;
  assert.ok(!('token' in v));
  assert.equal(v.id, 'a1');
});

test('userModelFilter (one listing) gives what filterUserModel gives, key order included', () => {
  const { name: _, ...nameless } = server('gpu'); // a server model without its name key
  const bob: JsonObject = {
    ...alice,
    name: 'bob',
    groups: ['y'],
    servers: { '': server(''), gpu: nameless, bad: null },
  };
  const sets = [
    ['read:users:name'],
    ['read:users', 'read:servers'],
    ['read:servers', 'read:users!group=x'],
    ['read:servers', 'read:users:activity!user=bob', 'admin:auth_state!user=alice'],
    ['read:servers', 'admin:server_state!user=bob'],
    ['read:servers!server=alice/gpu', 'read:users'],
    ['admin:users', 'admin:servers'],
    ['admin:users', 'read:servers'],
    ['read:servers'],
    ['proxy'],
  ];
  for (const raw of sets) {
    const scopes = expandScopes(raw);
    const filter = userModelFilter(scopes, groupsOf);
    for (const m of [alice, bob])
      assert.equal(
        JSON.stringify(filter(m)),
        JSON.stringify(filterUserModel(m, scopes, groupsOf)),
        `${raw.join(' ')} / ${String(m.name)}`,
      );
  }
});
