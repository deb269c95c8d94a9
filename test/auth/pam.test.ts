// Real PAM against real Linux accounts made here (root needed; CI runs as root) and removed after.
// Users: primary-group member, supplementary member, non-member, expired account, locked account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  availablePamBackends,
  forcePamBackend,
  groupsOfUser,
  pamAuthenticatorDefinition,
  pamCheck,
  type PamBackendName,
  type PamAuthenticator,
} from '../../src/auth/pam.js';
import { createPolicy } from '../../src/auth/policy.js';
import { isHubError } from '../../src/errors.js';
import {
  LinuxAccounts,
  isRootLinux,
  needsRoot,
  shadowCommand,
  type UserOptions,
} from '../helpers/linux-users.js';
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
const sfx = randomBytes(3).toString('hex'); // for names that must NOT exist
const acc = new LinuxAccounts('pam');
let GROUP = '';
const U = {
  primary: '', // primary group GROUP (useradd -g)
  supp: '', // supplementary member (useradd -G)
  none: '', // not a member
  expired: '', // chage -E 0
  locked: '', // usermod -L
};
const PW: Record<string, string> = {};
const root = fileURLToPath(new URL('../..', import.meta.url));

before(() => {
  if (!isRootLinux) return;
  GROUP = acc.group();
  const add = (key: keyof typeof U, opts: UserOptions) => {
    const password = `pw-${randomBytes(4).toString('hex')} ü`;
    U[key] = acc.user({ ...opts, shell: '/usr/sbin/nologin', password }).name;
    PW[U[key]] = password;
  };
  add('primary', { primaryGroup: GROUP });
  add('supp', { groups: [GROUP] });
  add('none', {});
  add('expired', {});
  add('locked', {});
  shadowCommand('chage', ['-E', '0', U.expired]);
  shadowCommand('usermod', ['-L', U.locked]);
});

after(() => {
  forcePamBackend(null);
  if (isRootLinux) acc.cleanup();
});

test('pam: both backends are available here', { skip }, async () => {
  assert.deepEqual((await availablePamBackends()).sort(), ['native', 'pamtester']);
});

test(
  'pam: groupsOfUser counts the primary group (useradd -g) and supplementary groups',
  { skip },
  async () => {
    assert.ok((await groupsOfUser(U.primary)).includes(GROUP), 'primary-group member');
    assert.ok((await groupsOfUser(U.supp)).includes(GROUP), 'supplementary member');
    assert.ok(!(await groupsOfUser(U.none)).includes(GROUP), 'non-member');
    assert.deepEqual(await groupsOfUser(`nosuch${sfx}`), []);
    assert.deepEqual(await groupsOfUser('-G'), []);
  },
);

for (const backend of ['native', 'pamtester'] as PamBackendName[]) {
  test(`pam (${backend}): right, wrong, expired, locked, unknown`, { skip }, async () => {
    const chk = (u: string, pw: string) => pamCheck(u, pw, { backend });
    assert.deepEqual(await chk(U.primary, PW[U.primary]!), { ok: true });
    assert.deepEqual(await chk(U.none, PW[U.none]!), { ok: true });
    // Failures take ~3 s each (pam_faildelay): run them together.
    const [wrong, expired, locked, unknown] = await Promise.all([
      chk(U.primary, `${PW[U.primary]}x`),
      chk(U.expired, PW[U.expired]!),
      chk(U.locked, PW[U.locked]!),
      chk(`nosuch${sfx}`, 'whatever'),
    ]);
    for (const [what, r] of Object.entries({ wrong, expired, locked, unknown }))
      assert.equal(r.ok, false, what);
    // Debian's common-account turns pam_unix's PAM_ACCT_EXPIRED into pam_deny's PAM_AUTH_ERR, so the
    // code does not say "expired"; the check_account test below shows account management refuses it.
  });

  test(`pam (${backend}): a 3 s failed login does not block the event loop`, { skip }, async () => {
    let failedSettled = false;
    let okSettled = false;
    const failing = pamCheck(U.supp, 'definitely wrong', { backend }).then((r) => {
      failedSettled = true;
      return r;
    });
    // A timer and a successful login for someone else both finish while the failure is still pending.
    const timerSawPending = await new Promise<boolean>((res) =>
      setTimeout(() => res(!failedSettled), 100),
    );
    const ok = await pamCheck(U.none, PW[U.none]!, { backend }).then(
      (r) => ((okSettled = true), r),
    );
    const okBeforeFailure = okSettled && !failedSettled;
    assert.equal((await failing).ok, false);
    assert.equal(timerSawPending, true, 'timer ran while PAM was sleeping');
    assert.deepEqual(ok, { ok: true });
    assert.equal(okBeforeFailure, true, 'a concurrent good login finished before the failed one');
  });
}

test(
  'pam (pamtester): check_account false lets the expired account through (account management is what refuses it)',
  { skip },
  async () => {
    assert.deepEqual(
      await pamCheck(U.expired, PW[U.expired]!, { backend: 'pamtester', checkAccount: false }),
      { ok: true },
    );
    assert.equal(
      (await pamCheck(U.expired, PW[U.expired]!, { backend: 'pamtester', checkAccount: true })).ok,
      false,
    );
  },
);

test(
  'pam: a missing PAM service file is LABHUB_ERR_PAM, not a wrong password',
  { skip },
  async () => {
    await assert.rejects(
      pamCheck(U.none, PW[U.none]!, { service: `labhub-missing-${sfx}` }),
      (e) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_PAM' &&
        /\/etc\/pam\.d\/labhub-missing/.test(e.logMessage ?? ''),
    );
    await assert.rejects(
      pamCheck(U.none, 'x', { service: '../etc/passwd' }),
      (e) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG',
    );
  },
);

test('pam: not root → checking another user is LABHUB_ERR_PAM with what to do', { skip }, () => {
  // Run pamCheck in a child process as the unprivileged test user.
  const uid = Number(execFileSync('id', ['-u', U.none]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', U.none]).toString().trim());
  const code = `
    import { pamCheck } from './src/auth/pam.ts';
    try { await pamCheck(${JSON.stringify(U.primary)}, 'x'); console.log('NO ERROR'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, log: e.logMessage })); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    uid,
    gid,
    env: { PATH: process.env.PATH, HOME: '/tmp' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    code?: string;
    log?: string;
  };
  assert.equal(out.code, 'LABHUB_ERR_PAM', r.stdout + r.stderr);
  assert.match(out.log ?? '', /not root.*Run labhub as root.*shadow.*native/s);
});

test(
  'pam authenticator + policy: primary-group member allowed by allowed_groups, non-member refused',
  { skip },
  async () => {
    const { log, lines } = recordingLogger();
    const auth = makePam({ service: 'login', encoding: 'utf8' }, log);
    const policy = createPolicy({ allowed_groups: [GROUP], admin_users: [U.supp] }, {});
    const ctx = { existsInDb: false, groupsOf: groupsOfUser };

    const r1 = await auth.authenticate({
      username: U.primary.toUpperCase(),
      password: PW[U.primary]!,
      remoteAddr: '127.0.0.1',
    });
    assert.ok(r1 && r1.name === U.primary && r1.groups?.includes(GROUP), JSON.stringify(r1));
    const d1 = await policy.check(r1, ctx);
    assert.ok(
      d1.allowed && !d1.admin && d1.via === `allowed_groups (${GROUP})`,
      JSON.stringify(d1),
    );

    const r2 = await auth.authenticate({ username: U.supp, password: PW[U.supp]! });
    const d2 = await policy.check(r2!, ctx);
    assert.ok(d2.allowed && d2.admin, JSON.stringify(d2));

    const r3 = await auth.authenticate({ username: U.none, password: PW[U.none]! });
    assert.ok(r3, 'non-member has valid credentials');
    const d3 = await policy.check(r3, ctx);
    assert.ok(!d3.allowed && /allowed_groups/.test(d3.reason), JSON.stringify(d3));

    assert.equal(
      await auth.authenticate({ username: U.primary, password: '' }),
      null,
      'empty password never reaches PAM',
    );
    assert.equal(await auth.authenticate({ username: `-${U.primary}`, password: 'x' }), null);
    assert.equal(await auth.authenticate({ username: U.locked, password: PW[U.locked]! }), null);
    assert.ok(
      lines.some((l) => l.level === 'info' && /login refused/.test(l.msg)),
      'refusal logged',
    );
  },
);

test(
  'pam: open_sessions opens and closes a PAM session, or turns itself off with a warning; never throws',
  { skip },
  async () => {
    const { log, lines } = recordingLogger();
    const auth = makePam({ open_sessions: true }, log);
    await auth.openSession(U.none);
    await auth.closeSession(U.none);
    const warned = lines.filter((l) => l.level === 'warn');
    for (const w of warned) assert.match(w.msg, /open_sessions is now off/);
    const off = makePam({}, log);
    await off.openSession(U.none); // default false: a no-op
  },
);
