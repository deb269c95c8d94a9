import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import assert from 'node:assert/strict';
import { createPolicy } from './policy.js';
import { isHubError } from '../errors.js';
import { GROUPS } from './policy-groups.js';

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
