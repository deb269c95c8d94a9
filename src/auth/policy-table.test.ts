// The policy rule table: each row a config, a login and the expected decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicy, LOGIN_FAILED_MESSAGE, type PolicyDecision } from './policy.js';
import type { AuthResult } from './types.js';
import { GROUPS } from './policy-groups.js';

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
