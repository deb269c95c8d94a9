// LocalAuthenticator.create_system_users with the real adduser/useradd (root needed; CI runs as root).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSystemUserManager,
  defaultAddUserCmd,
  systemUserEntry,
  systemUserExists,
  LINUX_USERNAME_RE,
} from '../../src/auth/system-users.js';
import { isHubError } from '../../src/errors.js';
import { LinuxAccounts, isRootLinux, needsRoot } from '../helpers/linux-users.js';
import { recordingLogger } from './recording-logger.js';

const skip = needsRoot;
const sfx = randomBytes(3).toString('hex'); // for names that must NOT exist
// The code under test creates these users itself; the helper picks unused names and removes them.
const acc = new LinuxAccounts('sysu');

after(() => {
  if (isRootLinux) acc.cleanup();
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
    const name = acc.reserveName();
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
    const name = acc.reserveName();
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
        /does not exist/.test(e.userMessage),
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

test(
  'system users: the default command makes a private home (0700), and the missing-user message gives a fix that lets the person log in',
  { skip },
  async () => {
    const name = acc.reserveName();
    const m = createSystemUserManager({});
    await assert.rejects(
      m.ensureUser(name),
      (e) =>
        isHubError(e) &&
        e.status === 400 &&
        e.userMessage.includes(`useradd -m ${name} && chmod 700 /home/${name} && passwd ${name}`) &&
        e.userMessage.includes('one-time passwords') &&
        !e.userMessage.includes('create_system_users'),
    );
    assert.equal(await m.ensureUser(name, { create: true }), 'created', 'an explicit create');
    const home = (await systemUserEntry(name))!.home;
    assert.equal(statSync(home).mode & 0o777, 0o700);
  },
);

test(
  'system users: a UID race ("UID N is not unique") is retried after removing the group the failed attempt left',
  { skip },
  async () => {
    // A stand-in for adduser that fails like the real race on its first run: it makes the
    // user-private group, then reports the collision; on the next run it creates the account.
    const name = acc.reserveName();
    const dir = mkdtempSync(join(tmpdir(), 'labhub-race-'));
    const script = join(dir, 'racy-adduser');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        `if [ ! -e ${dir}/tried ]; then`,
        `  touch ${dir}/tried; groupadd "$1"`,
        '  echo "useradd: UID 1005 is not unique" >&2; exit 1',
        'fi',
        'getent group "$1" >/dev/null && { echo "group $1 already exists" >&2; exit 1; }',
        'exec useradd -M "$1"',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    const { log, lines } = recordingLogger();
    try {
      const m = createSystemUserManager(
        { create_system_users: true, add_user_cmd: [script, 'USERNAME'] },
        log,
      );
      assert.equal(await m.ensureUser(name), 'created');
      assert.equal(await systemUserExists(name), true);
      assert.ok(existsSync(`${dir}/tried`), 'the first attempt failed');
      assert.ok(lines.some((l) => l.level === 'warn' && /retrying \(2 of 8\)/.test(l.msg)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'system users: accounts are created while another process creates accounts in a loop',
  { skip, timeout: 300_000 },
  async (t) => {
    // The other process: plain useradd in a tight loop, as another tool or test run would.
    const other = acc.reserveName();
    for (let i = 0; i < 30; i++) acc.adopt(`${other}${i}`);
    const loop = spawn(
      'sh',
      ['-c', `i=0; while [ $i -lt 30 ]; do useradd -M ${other}$i; i=$((i+1)); done`],
      { stdio: 'ignore' },
    );
    const finished = new Promise((res) => loop.on('exit', res));
    const mine = Array.from({ length: 4 }, () => acc.reserveName());
    const { log, lines } = recordingLogger();
    try {
      const m = createSystemUserManager({ create_system_users: true }, log);
      for (const n of mine) assert.equal(await m.ensureUser(n), 'created', n);
      for (const n of mine) assert.equal(await systemUserExists(n), true, n);
      t.diagnostic(`collisions retried: ${lines.filter((l) => /retrying/.test(l.msg)).length}`);
    } finally {
      await finished; // the loop's accounts are removed by after(), with ours
    }
  },
);
