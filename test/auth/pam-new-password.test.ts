// One-time Linux passwords with real PAM and real accounts (root needed; CI runs as root): a
// password expired with `chage -d 0` is reported as "right, but must be changed" by both
// backends (and only when it is right), the PAM authenticator sets the new one with chpasswd,
// and a password that would smuggle a second chpasswd line is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import {
  forcePamBackend,
  pamAuthenticatorDefinition,
  pamCheck,
  type PamAuthenticator,
  type PamBackendName,
} from '../../src/auth/pam.js';
import { createSystemUserManager, systemUserEntry } from '../../src/auth/system-users.js';
import { ensureLinuxAccountWithOneTimePassword } from '../../src/core/users.js';
import { isHubError } from '../../src/errors.js';
import { LinuxAccounts, isRootLinux, needsRoot, shadowCommand } from '../helpers/linux-users.js';
import { recordingLogger } from './recording-logger.js';
import { createAuthenticator } from '../../src/auth/define.js';
import type { Logger } from '../../src/log.js';
import { MemoryAccounts } from '../contracts/memory-accounts.js';

const makePam = (options: Record<string, unknown>, log: Logger) =>
  createAuthenticator(pamAuthenticatorDefinition, options, {
    log,
    accounts: new MemoryAccounts(),
  }) as PamAuthenticator;

const skip = needsRoot;
const acc = new LinuxAccounts('pamnp');
let MUST = ''; // chage -d 0
let VICTIM = ''; // must never be touched
let CREATED = ''; // made by ensureLinuxAccountWithOneTimePassword (removed with ours)
const PW = `pw-${randomBytes(5).toString('hex')}`;
const VICTIM_PW = `vpw-${randomBytes(5).toString('hex')}`;

function mustChange(name: string): boolean {
  return /password must be changed/.test(
    execFileSync('chage', ['-l', name], { env: { ...process.env, LANG: 'C' } }).toString(),
  );
}

before(() => {
  if (!isRootLinux) return;
  MUST = acc.user({ shell: '/usr/sbin/nologin', password: PW }).name;
  VICTIM = acc.user({ shell: '/usr/sbin/nologin', password: VICTIM_PW }).name;
  CREATED = acc.reserveName();
  shadowCommand('chage', ['-d', '0', MUST]);
});

after(() => {
  forcePamBackend(null);
  if (isRootLinux) acc.cleanup();
});

for (const backend of ['native', 'pamtester'] as PamBackendName[]) {
  test(
    `pam (${backend}): an expired password is "right, must be changed" only when it is right`,
    { skip },
    async () => {
      const [right, wrong] = await Promise.all([
        pamCheck(MUST, PW, { backend }),
        pamCheck(MUST, `${PW}x`, { backend }),
      ]);
      assert.equal(right.ok, false, 'never a plain success');
      assert.equal(!right.ok && right.passwordChangeRequired, true, JSON.stringify(right));
      assert.equal(wrong.ok, false);
      assert.equal(!wrong.ok && wrong.passwordChangeRequired, undefined, JSON.stringify(wrong));
    },
  );
}

test(
  'pam authenticator: a one-time password asks for a new one, which chpasswd sets; the old one stops working',
  { skip },
  async () => {
    const { log } = recordingLogger();
    const auth = makePam({}, log);
    const r = await auth.authenticate({ username: MUST, password: PW });
    assert.equal(r?.name, MUST);
    assert.equal(r?.passwordChangeRequired, true);
    assert.equal(await auth.authenticate({ username: MUST, password: 'not it' }), null);

    const next = `new-${randomBytes(5).toString('hex')}`;
    await auth.setRequiredPassword(MUST, next);
    assert.equal(mustChange(MUST), false, 'chage no longer asks for a change');
    const after = await auth.authenticate({ username: MUST, password: next });
    assert.equal(after?.name, MUST);
    assert.equal(after?.passwordChangeRequired, undefined);
    assert.equal(await auth.authenticate({ username: MUST, password: PW }), null);
  },
);

test(
  'pam authenticator: a new password with a line break is refused, so it cannot set another account',
  { skip },
  async () => {
    const { log } = recordingLogger();
    const auth = makePam({}, log);
    for (const evil of [`ok-pass-1\n${VICTIM}:owned-123`, `ok-pass-2\r${VICTIM}:x`, 'a\0b'])
      await assert.rejects(
        auth.setRequiredPassword(MUST, evil),
        (e) => isHubError(e) && e.code === 'LABHUB_ERR_BAD_REQUEST' && e.status === 400,
      );
    assert.deepEqual(await pamCheck(VICTIM, VICTIM_PW), { ok: true }, 'victim unchanged');
    assert.equal((await pamCheck(VICTIM, 'owned-123')).ok, false);
  },
);

test(
  'a Linux account with a one-time password: private home, must change at first login; an existing account is left alone',
  { skip },
  async () => {
    const manager = createSystemUserManager({});
    const otp = await ensureLinuxAccountWithOneTimePassword(manager, CREATED);
    assert.ok(otp && otp.length >= 16, 'a password');
    const entry = (await systemUserEntry(CREATED))!;
    assert.equal(statSync(entry.home).mode & 0o777, 0o700, 'home 0700');
    assert.equal(statSync(entry.home).uid, entry.uid);
    assert.equal(mustChange(CREATED), true);
    const r = await pamCheck(CREATED, otp);
    assert.equal(!r.ok && r.passwordChangeRequired, true, JSON.stringify(r));
    // Again: the account exists, so nothing is changed and no password is returned.
    assert.equal(await ensureLinuxAccountWithOneTimePassword(manager, VICTIM), null);
    assert.deepEqual(await pamCheck(VICTIM, VICTIM_PW), { ok: true });
  },
);
