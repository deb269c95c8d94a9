import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import assert from 'node:assert/strict';
import { createPolicy, LOGIN_FAILED_MESSAGE, type PolicyDecision } from './policy.js';
import { isHubError } from '../errors.js';
import type { AuthResult } from './types.js';

// Groups as the Linux callback reports them: carol has `g` as PRIMARY group only (useradd -g g),
// dave has it as a supplementary group, bob is in no shared group.
const GROUPS: Record<string, string[]> = {
  carol: ['g'],
  dave: ['dave', 'g'],
  bob: ['bob'],
  alice: ['alice'],
  root: ['root'],
};

interface Row {
  title: string;
  options: Record<string, unknown>;
  id?: string;
  login: string;
  existsInDb?: boolean;
  result?: Partial<AuthResult>;
  /** 'deny', or the rule that must allow (and whether admin). */
  expect: 'deny' | { via: string | RegExp; admin: boolean };
}

const rows: Row[] = [
  {
    title: 'no allow config (pam): nobody',
    options: {},
    id: 'pam',
    login: 'alice',
    expect: 'deny',
  },
  {
    title: 'no allow config (dummy): allow_all defaults to true',
    options: {},
    id: 'dummy',
    login: 'bob',
    expect: { via: 'allow_all', admin: false },
  },
  {
    title: 'dummy + allowed_users: allow_all defaults to false',
    options: { allowed_users: ['alice'] },
    id: 'dummy',
    login: 'bob',
    expect: 'deny',
  },
  {
    title: 'dummy + allowed_users: listed user allowed',
    options: { allowed_users: ['alice'] },
    id: 'dummy',
    login: 'alice',
    expect: { via: 'allowed_users', admin: false },
  },
  {
    title: 'allow_all true',
    options: { allow_all: true },
    login: 'bob',
    expect: { via: 'allow_all', admin: false },
  },
  {
    title: 'explicit allow_all false beats the dummy default',
    options: { allow_all: false },
    id: 'dummy',
    login: 'bob',
    expect: 'deny',
  },
  {
    title: 'allowed_users: listed',
    options: { allowed_users: ['alice'] },
    login: 'alice',
    expect: { via: 'allowed_users', admin: false },
  },
  {
    title: 'allowed_users: not listed',
    options: { allowed_users: ['alice'] },
    login: 'bob',
    expect: 'deny',
  },
  {
    title: 'allowed_users non-empty: existing hub users allowed by default',
    options: { allowed_users: ['alice'] },
    login: 'bob',
    existsInDb: true,
    expect: { via: /allow_existing_users/, admin: false },
  },
  {
    title: 'allow_existing_users false: existing user refused',
    options: { allowed_users: ['alice'], allow_existing_users: false },
    login: 'bob',
    existsInDb: true,
    expect: 'deny',
  },
  {
    title: 'empty allowed_users: allow_existing_users defaults to false',
    options: {},
    login: 'bob',
    existsInDb: true,
    expect: 'deny',
  },
  {
    title: 'allow_existing_users true alone',
    options: { allow_existing_users: true },
    login: 'bob',
    existsInDb: true,
    expect: { via: /allow_existing_users/, admin: false },
  },
  {
    title: 'allowed_groups: primary-group member',
    options: { allowed_groups: ['g'] },
    login: 'carol',
    expect: { via: 'allowed_groups (g)', admin: false },
  },
  {
    title: 'allowed_groups: supplementary member',
    options: { allowed_groups: ['g'] },
    login: 'dave',
    expect: { via: 'allowed_groups (g)', admin: false },
  },
  {
    title: 'allowed_groups: non-member',
    options: { allowed_groups: ['g'] },
    login: 'bob',
    expect: 'deny',
  },
  {
    title: 'allowed_users OR allowed_groups',
    options: { allowed_users: ['alice'], allowed_groups: ['g'] },
    login: 'carol',
    expect: { via: 'allowed_groups (g)', admin: false },
  },
  {
    title: 'admin_users are allowed and admin',
    options: { allowed_users: ['alice'], admin_users: ['root'] },
    login: 'root',
    expect: { via: 'admin_users', admin: true },
  },
  {
    title: 'admin_users alone (no allow config)',
    options: { admin_users: ['root'] },
    login: 'root',
    expect: { via: 'admin_users', admin: true },
  },
  {
    title: 'admin_groups: primary-group member is admin',
    options: { admin_groups: ['g'] },
    login: 'carol',
    expect: { via: 'admin_groups (g)', admin: true },
  },
  {
    title: 'admin_groups: non-member not admin, not allowed',
    options: { admin_groups: ['g'] },
    login: 'bob',
    expect: 'deny',
  },
  {
    title: 'identity source says admin',
    options: {},
    login: 'bob',
    result: { admin: true },
    expect: { via: /identity source/, admin: true },
  },
  {
    title: 'allowed user who is not admin',
    options: { allowed_users: ['alice'], admin_users: ['root'] },
    login: 'alice',
    expect: { via: 'allowed_users', admin: false },
  },
  {
    title: 'blocked beats admin_users',
    options: { admin_users: ['eve'], blocked_users: ['eve'] },
    login: 'eve',
    expect: 'deny',
  },
  {
    title: 'blocked beats allow_all',
    options: { allow_all: true, blocked_users: ['eve'] },
    login: 'eve',
    expect: 'deny',
  },
  {
    title: 'blocked beats allowed_groups',
    options: { allowed_groups: ['g'], blocked_users: ['carol'] },
    login: 'carol',
    expect: 'deny',
  },
  {
    title: 'blocked beats admin from identity source',
    options: { blocked_users: ['bob'] },
    login: 'bob',
    result: { admin: true },
    expect: 'deny',
  },
  {
    title: 'blocked beats existing user',
    options: { allowed_users: ['alice'], blocked_users: ['bob'] },
    login: 'bob',
    existsInDb: true,
    expect: 'deny',
  },
  {
    title: 'normalization: config and login both lower-cased and trimmed',
    options: { allowed_users: ['Alice '] },
    login: '  ALICE ',
    expect: { via: 'allowed_users', admin: false },
  },
  {
    title: 'normalization applies to blocked_users',
    options: { allow_all: true, blocked_users: ['EVE'] },
    login: 'Eve',
    expect: 'deny',
  },
  {
    title: 'username_map then allowed_users',
    options: { allowed_users: ['bob'], username_map: { 'Bob@Example.com': 'bob' } },
    login: 'bob@example.com',
    expect: { via: 'allowed_users', admin: false },
  },
  {
    title: 'username_pattern matches the whole name',
    options: { allow_all: true, username_pattern: '[a-z]+' },
    login: 'bob1',
    expect: 'deny',
  },
  {
    title: 'username_pattern ok',
    options: { allow_all: true, username_pattern: '[a-z]+' },
    login: 'bob',
    expect: { via: 'allow_all', admin: false },
  },
  {
    title: 'set("jupyter") letters: "jupyter" is NOT admin',
    options: { admin_users: [...new Set('jupyter')] },
    login: 'jupyter',
    expect: 'deny',
  },
  { title: 'empty username', options: { allow_all: true }, login: '   ', expect: 'deny' },
  { title: 'slash in username', options: { allow_all: true }, login: 'a/b', expect: 'deny' },
  {
    title: 'control character in username',
    options: { allow_all: true },
    login: 'a\nb',
    expect: 'deny',
  },
  {
    title: 'username longer than 255',
    options: { allow_all: true },
    login: 'x'.repeat(256),
    expect: 'deny',
  },
  {
    title: 'username of exactly 255 is fine',
    options: { allow_all: true },
    login: 'x'.repeat(255),
    expect: { via: 'allow_all', admin: false },
  },
];

for (const row of rows) {
  test(`policy: ${row.title}`, async () => {
    const policy = createPolicy(row.options, { allowAllByDefault: row.id === 'dummy' });
    const asked: string[] = [];
    const d: PolicyDecision = await policy.check(
      { name: row.login, ...row.result },
      {
        existsInDb: row.existsInDb ?? false,
        groupsOf: async (n) => {
          asked.push(n);
          return GROUPS[n] ?? [];
        },
      },
    );
    if (row.expect === 'deny') {
      assert.equal(d.allowed, false, `expected refusal, got ${JSON.stringify(d)}`);
      if (!d.allowed) {
        assert.equal(d.userMessage, LOGIN_FAILED_MESSAGE);
        assert.ok(d.reason.length > 20 && d.reason !== d.userMessage);
      }
    } else {
      assert.equal(d.allowed, true, `expected allowed, got ${JSON.stringify(d)}`);
      if (d.allowed) {
        assert.equal(d.admin, row.expect.admin);
        if (typeof row.expect.via === 'string') assert.equal(d.via, row.expect.via);
        else assert.match(d.via, row.expect.via);
      }
    }
    // The callback sees normalized names only.
    for (const n of asked) assert.equal(n, n.trim().toLowerCase());
  });
}

test('policy: refusal reasons say exactly why in the log, the page text is always the same', async () => {
  const p = createPolicy({ allowed_groups: ['g'], blocked_users: ['eve'] });
  const ctx = { existsInDb: false, groupsOf: async (n: string) => GROUPS[n] ?? [] };
  const blocked = await p.check({ name: 'eve' }, ctx);
  const notMember = await p.check({ name: 'bob' }, ctx);
  assert.ok(!blocked.allowed && !notMember.allowed);
  if (!blocked.allowed && !notMember.allowed) {
    assert.match(blocked.reason, /blocked_users/);
    assert.match(notMember.reason, /allowed_groups \[g\].*its groups: bob/);
    assert.equal(blocked.userMessage, notMember.userMessage);
  }
});

test('policy: huge usernames are truncated in the reason (16 chars + length)', async () => {
  const p = createPolicy({ allow_all: true });
  const huge = 'A'.repeat(100_000);
  const d = await p.check({ name: huge }, { existsInDb: false });
  assert.equal(d.allowed, false);
  if (!d.allowed) {
    assert.ok(d.reason.length < 300, `reason is ${d.reason.length} chars`);
    assert.match(d.reason, /"a{16}… \(100000 chars\)"/);
  }
});

test('policy: groups from the identity source are used without calling the callback', async () => {
  const p = createPolicy({ allowed_groups: ['g'] });
  let called = 0;
  const d = await p.check(
    { name: 'zed', groups: ['g'] },
    { existsInDb: false, groupsOf: async () => (called++, []) },
  );
  assert.equal(d.allowed, true);
  assert.equal(called, 0);
});

test('policy: the groups callback is not called when no group option is set', async () => {
  const p = createPolicy({ allowed_users: ['alice'] });
  let called = 0;
  await p.check({ name: 'bob' }, { existsInDb: false, groupsOf: async () => (called++, []) });
  assert.equal(called, 0);
});

test('policy: a failing group lookup fails closed (no access, no admin)', async () => {
  const p = createPolicy({ allowed_groups: ['g'], admin_groups: ['g'] });
  const d = await p.check(
    { name: 'carol' },
    {
      existsInDb: false,
      groupsOf: async () => {
        throw new Error('nss down');
      },
    },
  );
  assert.equal(d.allowed, false);
  if (!d.allowed) assert.match(d.reason, /could not be read \(nss down\)/);
});

test('policy: normalize and validate', () => {
  const p = createPolicy({
    username_map: { 'Old.Name': 'new' },
    username_pattern: '[a-z][a-z0-9]*',
  });
  assert.equal(p.normalize('  Bob '), 'bob');
  assert.equal(p.normalize('OLD.NAME'), 'new');
  assert.deepEqual(p.validate('bob'), { ok: true });
  for (const bad of ['', 'a/b', 'a\u0000b', 'a\u007fb', 'x'.repeat(256), '1abc'])
    assert.equal(p.validate(bad).ok, false, bad);
});

test('policy: warnings for set("jupyter") and a hub nobody can enter', () => {
  const letters = createPolicy({ admin_users: [...new Set('jupyter')], allowed_users: ['x'] });
  assert.ok(
    letters.warnings.some((w) => /admin_users.*one-letter.*\["jupyter"\]/.test(w)),
    letters.warnings.join('\n'),
  );
  const closed = createPolicy({}, {});
  assert.ok(closed.warnings.some((w) => /No one can log in/.test(w)));
  assert.equal(createPolicy({}, { allowAllByDefault: true }).warnings.length, 0);
  const both = createPolicy({ admin_users: ['eve'], blocked_users: ['eve'] });
  assert.ok(both.warnings.some((w) => /blocked wins/.test(w)));
});

test('policy: wrong option types and bad patterns are config errors naming the key', () => {
  for (const [opts, key] of [
    [{ allowed_users: 'alice' }, 'allowed_users'],
    [{ allow_all: 'yes' }, 'allow_all'],
    [{ admin_users: [1] }, 'admin_users'],
    [{ username_pattern: '(' }, 'username_pattern'],
  ] as const) {
    assert.throws(
      () => createPolicy(opts as Record<string, unknown>),
      (e) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG' && e.userMessage.includes(key),
    );
  }
});

test('policy: Set values are accepted like lists', async () => {
  const p = createPolicy({ allowed_users: new Set(['alice']) });
  assert.equal((await p.check({ name: 'alice' }, { existsInDb: false })).allowed, true);
});

test('policy: the legacy whitelist, group_whitelist and blacklist reach it renamed by the config loader, never widening', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'labhub-policy-'));
  try {
    const policyOf = (overrides: Record<string, Record<string, unknown>>) => {
      const { config } = loadConfig({ overrides, cwd });
      return createPolicy(settingsFromConfig(config, 'pam').authenticatorOptions);
    };
    const ctx = { existsInDb: false, groupsOf: async (n: string) => (n === 'carol' ? ['g'] : []) };
    const allowed = async (p: ReturnType<typeof policyOf>, name: string) =>
      (await p.check({ name }, ctx)).allowed;
    const wl = policyOf({ Authenticator: { whitelist: ['alice'] } });
    assert.equal(await allowed(wl, 'alice'), true, 'whitelist keeps its meaning');
    assert.equal(await allowed(wl, 'bob'), false, 'whitelist does not widen');
    const gw = policyOf({ LocalAuthenticator: { group_whitelist: ['g'] } });
    assert.equal(await allowed(gw, 'carol'), true, 'group_whitelist is allowed_groups');
    assert.equal(await allowed(gw, 'bob'), false, 'group_whitelist does not let everyone in');
    const bl = policyOf({ Authenticator: { allowed_users: ['alice'], blacklist: ['alice'] } });
    assert.equal(await allowed(bl, 'alice'), false, 'blacklist blocks');
    assert.equal(await allowed(policyOf({ Authenticator: { whitelist: [] } }), 'bob'), false);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
