// LocalAuthenticator.create_system_users with the real adduser/useradd (root needed; CI runs as root).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  createSystemUserManager,
  defaultAddUserCmd,
  systemUserExists,
  LINUX_USERNAME_RE,
} from '../../src/auth/system-users.js';
import { isHubError } from '../../src/errors.js';

const skip =
  process.getuid?.() === 0 && process.platform === 'linux'
    ? false
    : 'needs root on Linux (CI runs as root)';
const sfx = randomBytes(3).toString('hex');
const made: string[] = [];

after(() => {
  for (const n of made) {
    spawnSync('userdel', ['-r', n], { stdio: 'ignore' });
    spawnSync('groupdel', [n], { stdio: 'ignore' });
  }
});

test('system users: the strict name pattern refuses option-like and odd names', () => {
  for (const ok of ['alice', '_svc', 'a-b_c1', 'x'.repeat(32)])
    assert.ok(LINUX_USERNAME_RE.test(ok), ok);
  for (const bad of [
    '-rf',
    'Alice',
    'a b',
    'a;b',
    'a.b',
    '1abc',
    '',
    'x'.repeat(33),
    'a$(id)',
    'é',
  ])
    assert.ok(!LINUX_USERNAME_RE.test(bad), bad);
});

test('system users: the default command is Debian adduser here, useradd where adduser is a link to it', () => {
  const cmd = defaultAddUserCmd();
  assert.ok(cmd.includes('USERNAME'));
  if (existsSync('/usr/sbin/adduser'))
    assert.deepEqual(cmd, ['adduser', '-q', '--gecos', '', '--disabled-password', 'USERNAME']);
});

test(
  'system users: create_system_users creates a missing user once (default command)',
  { skip },
  async () => {
    const name = `lhc${sfx}`;
    made.push(name);
    const m = createSystemUserManager({ create_system_users: true });
    assert.equal(await systemUserExists(name), false);
    assert.equal(await m.ensureUser(name), 'created');
    assert.equal(await systemUserExists(name), true);
    assert.equal(await m.ensureUser(name), 'exists');
  },
);

test(
  'system users: custom add_user_cmd with the USERNAME placeholder is honoured',
  { skip },
  async () => {
    const name = `lhd${sfx}`;
    made.push(name);
    const m = createSystemUserManager({
      create_system_users: true,
      add_user_cmd: ['useradd', '-M', 'USERNAME'],
    });
    assert.equal(await m.ensureUser(name), 'created');
    assert.equal(spawnSync('getent', ['passwd', name]).status, 0);
  },
);

test(
  'system users: missing user without create_system_users, and invalid names, are refused before running anything',
  { skip },
  async () => {
    const off = createSystemUserManager({});
    await assert.rejects(
      off.ensureUser(`lhz${sfx}`),
      (e) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_SYSTEM_USER' &&
        /does not exist.*create_system_users/.test(e.userMessage),
    );
    const on = createSystemUserManager({
      create_system_users: true,
      add_user_cmd: ['touch', `/tmp/labhub-should-not-exist-${sfx}`],
    });
    for (const bad of ['-rf', 'a;touch x', '../x'])
      await assert.rejects(
        on.ensureUser(bad),
        (e) => isHubError(e) && e.code === 'LABHUB_ERR_SYSTEM_USER',
      );
    assert.equal(existsSync(`/tmp/labhub-should-not-exist-${sfx}`), false);
    const failing = createSystemUserManager({ create_system_users: true, add_user_cmd: ['false'] });
    await assert.rejects(
      failing.ensureUser(`lhy${sfx}`),
      (e) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_SYSTEM_USER' &&
        /add_user_cmd/.test(e.logMessage ?? ''),
    );
    assert.throws(
      () => createSystemUserManager({ add_user_cmd: 'useradd USERNAME' }),
      (e) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG',
    );
  },
);
