import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createInitialAdmin,
  nativeAuthenticatorDefinition,
  type NativeAuthenticator,
} from './native.js';
import { hashPassword, parseHash, verifyPassword, needsRehash } from './password-hash.js';
import { recordingLogger } from '../../test/auth/recording-logger.js';
import { isHubError, type ErrorCode } from '../errors.js';
import { createAuthenticator } from './define.js';
import { MemoryAccounts } from '../../test/contracts/memory-accounts.js';
import { authenticatorContractSuite } from '../../test/contracts/authenticator-suite.js';

class MemoryStore extends MemoryAccounts {}

function make(options: Record<string, unknown> = {}) {
  const store = new MemoryStore();
  let t = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => t, advance: (s: number) => (t += s * 1000) };
  const { log, lines } = recordingLogger();
  const auth = createAuthenticator(nativeAuthenticatorDefinition, options, {
    log,
    accounts: store,
    now: clock.now,
  }) as NativeAuthenticator;
  return { store, auth, clock, lines };
}

const code = (c: ErrorCode) => (e: unknown) => isHubError(e) && e.code === c;

test('native: enable_signup false refuses sign-ups (404); it is on by default', async () => {
  const off = make({ enable_signup: false });
  assert.equal(off.auth.signupEnabled, false);
  await assert.rejects(
    off.auth.signup({ username: 'alice', password: 'long enough pw' }),
    code('LABHUB_ERR_NOT_FOUND'),
  );
  assert.equal(make().auth.signupEnabled, true);
});

test('native: open_signup false: a sign-up waits for approval (its right password says so), then logs in', async () => {
  const { auth, store } = make();
  assert.equal(auth.openSignup, false);
  assert.deepEqual(await auth.signup({ username: ' Alice ', password: 'correct horse' }), {
    name: 'alice',
    approved: false,
  });
  await assert.rejects(
    auth.authenticate({ username: 'alice', password: 'correct horse' }),
    (e) => code('LABHUB_ERR_LOGIN_FAILED')(e) && /approval/.test((e as Error).message),
  );
  assert.equal(
    await auth.authenticate({ username: 'alice', password: 'wrong horse' }),
    null,
    'a wrong password does not reveal the pending state',
  );
  assert.deepEqual(
    (await auth.listPending()).map((a) => a.name),
    ['alice'],
  );
  assert.equal(await auth.countPending(), 1);
  await auth.approve('alice');
  assert.deepEqual(await auth.authenticate({ username: 'ALICE', password: 'correct horse' }), {
    name: 'alice',
  });
  assert.equal(await auth.authenticate({ username: 'alice', password: 'correct hors' }), null);
  assert.equal(await auth.authenticate({ username: 'alice', password: '' }), null);
  assert.deepEqual(await auth.listPending(), []);
  assert.match(store.rows.get('alice')!.passwordHash, /^scrypt\$15\$8\$1\$/);
  await assert.rejects(auth.approve('nobody'), code('LABHUB_ERR_NOT_FOUND'));
});

test('native: open_signup true approves at once (the plugin meaning)', async () => {
  const { auth } = make({ open_signup: true });
  assert.deepEqual(await auth.signup({ username: 'bob', password: 'password1' }), {
    name: 'bob',
    approved: true,
  });
  assert.deepEqual(await auth.authenticate({ username: 'bob', password: 'password1' }), {
    name: 'bob',
  });
});

test('native: names in admin_users and allowed_users are approved at sign-up', async () => {
  const { auth } = make({ admin_users: ['Boss'], allowed_users: ['pat'] });
  assert.equal((await auth.signup({ username: 'boss', password: 'boss-pass-1' })).approved, true);
  assert.equal((await auth.signup({ username: 'pat', password: 'pat-pass-1' })).approved, true);
  assert.equal((await auth.signup({ username: 'joe', password: 'joe-pass-1' })).approved, false);
});

test('native: its start-up notice names admin_users without an account while sign-up is on', async () => {
  const { auth, store } = make({ admin_users: ['Boss', 'taken'] });
  await createInitialAdmin(store, 'taken');
  const warned = (await auth.startupNotices!()).filter((n) => n.level === 'warn');
  assert.equal(warned.length, 1);
  assert.match(warned[0]!.message, /names without an account: "boss"\. Whoever signs up first/);
  assert.doesNotMatch(warned[0]!.message, /taken/);
  const off = make({ enable_signup: false, admin_users: ['boss'] });
  assert.deepEqual(await off.auth.startupNotices!(), [], 'no sign-up, no risk');
});

test('native: discard deletes a pending sign-up only', async () => {
  const { auth, store } = make({ admin_users: ['kim'] });
  await auth.signup({ username: 'lee', password: 'lee-pass-1' });
  await auth.signup({ username: 'kim', password: 'kim-pass-1' });
  await auth.discard('lee');
  assert.equal(store.rows.has('lee'), false);
  await assert.rejects(auth.discard('kim'), code('LABHUB_ERR_CONFLICT'));
  await assert.rejects(auth.discard('lee'), code('LABHUB_ERR_NOT_FOUND'));
  await auth.signup({ username: 'lee', password: 'lee-pass-2' });
});

test('native: ask_email_on_signup requires a valid address and stores it', async () => {
  const { auth, store } = make({ ask_email_on_signup: true });
  assert.equal(auth.askEmail, true);
  await assert.rejects(
    auth.signup({ username: 'em', password: 'em-pass-12' }),
    code('LABHUB_ERR_BAD_REQUEST'),
  );
  await assert.rejects(
    auth.signup({ username: 'em', password: 'em-pass-12', email: 'not an address' }),
    code('LABHUB_ERR_BAD_REQUEST'),
  );
  await auth.signup({ username: 'em', password: 'em-pass-12', email: ' em@example.org ' });
  assert.equal(store.rows.get('em')!.email, 'em@example.org');
  const plain = make();
  await plain.auth.signup({ username: 'x', password: 'x-pass-123', email: 'x@example.org' });
  assert.equal(plain.store.rows.get('x')!.email, null, 'no address kept unless asked for');
});

test('native: check_common_password refuses common passwords at sign-up and change', async () => {
  const { auth, store } = make({ check_common_password: true, minimum_password_length: 1 });
  for (const pw of ['password', 'Password', '123456', 'qwerty', 'iloveyou', 'password1'])
    await assert.rejects(
      auth.signup({ username: 'cp', password: pw }),
      (e) => code('LABHUB_ERR_BAD_REQUEST')(e) && /too common/.test((e as Error).message),
      pw,
    );
  await auth.signup({ username: 'cp', password: 'tangerine-orbit-47' });
  const pw = await createInitialAdmin(store, 'cq');
  await assert.rejects(auth.changePassword('cq', pw, 'letmein'), code('LABHUB_ERR_BAD_REQUEST'));
  const off = make({ minimum_password_length: 1, open_signup: true });
  await off.auth.signup({ username: 'cp', password: 'password' });
});

test('native: sign-up validation: short password, bad name, taken name', async () => {
  const { auth } = make({ open_signup: true, minimum_password_length: 10 });
  assert.equal(auth.minimumPasswordLength, 10);
  const su = (username: string, password: string) => auth.signup({ username, password });
  await assert.rejects(su('carol', '123456789'), code('LABHUB_ERR_BAD_REQUEST'));
  await assert.rejects(su('a/b', '1234567890'), code('LABHUB_ERR_BAD_REQUEST'));
  await assert.rejects(su('', '1234567890'), code('LABHUB_ERR_BAD_REQUEST'));
  await su('carol', '1234567890');
  await assert.rejects(su('Carol', 'abcdefghijk'), code('LABHUB_ERR_CONFLICT'));
});

test('native: unknown users are refused', async () => {
  const { auth } = make();
  assert.equal(await auth.authenticate({ username: 'ghost', password: 'anything' }), null);
});

test('native: change password needs the old one', async () => {
  const { auth, store } = make();
  const pw = await createInitialAdmin(store, 'admin');
  assert.equal(await auth.changePassword('admin', 'wrong', 'new password 1'), false);
  await assert.rejects(auth.changePassword('admin', pw, 'short'), code('LABHUB_ERR_BAD_REQUEST'));
  assert.equal(await auth.changePassword('admin', pw, 'new password 1'), true);
  assert.equal(await auth.authenticate({ username: 'admin', password: pw }), null);
  assert.deepEqual(await auth.authenticate({ username: 'admin', password: 'new password 1' }), {
    name: 'admin',
  });
  await auth.setPassword('admin', 'reset password');
  assert.deepEqual(await auth.authenticate({ username: 'admin', password: 'reset password' }), {
    name: 'admin',
  });
});

test('native: lockout after allowed_failed_logins, lifted after seconds_before_next_try', async () => {
  const { auth, store, clock, lines } = make({
    allowed_failed_logins: 3,
    seconds_before_next_try: 60,
  });
  const pw = await createInitialAdmin(store, 'dora');
  for (let i = 0; i < 3; i++)
    assert.equal(await auth.authenticate({ username: 'dora', password: 'nope' }), null);
  assert.ok(store.rows.get('dora')!.lockedUntil, 'account is locked');
  assert.ok(lines.some((l) => l.level === 'warn' && /locked for 60 s/.test(l.msg)));
  await assert.rejects(
    auth.authenticate({ username: 'dora', password: pw }),
    (e) =>
      code('LABHUB_ERR_TOO_MANY_REQUESTS')(e) &&
      (e as { status: number }).status === 429 &&
      /Try again in 60 seconds/.test((e as Error).message),
    'right password refused while locked, with the time left',
  );
  clock.advance(61);
  assert.deepEqual(await auth.authenticate({ username: 'dora', password: pw }), {
    name: 'dora',
    passwordChangeRequired: true,
  });
  const row = store.rows.get('dora')!;
  assert.equal(row.failedLogins, 0);
  assert.equal(row.lockedUntil, null);
});

test('native: names without an account lock the same way (a lock does not reveal who exists)', async () => {
  const { auth, clock } = make({ allowed_failed_logins: 2, seconds_before_next_try: 30 });
  for (let i = 0; i < 2; i++)
    assert.equal(await auth.authenticate({ username: 'ghost', password: 'nope' }), null);
  await assert.rejects(
    auth.authenticate({ username: 'ghost', password: 'nope' }),
    code('LABHUB_ERR_TOO_MANY_REQUESTS'),
  );
  clock.advance(31);
  assert.equal(await auth.authenticate({ username: 'ghost', password: 'nope' }), null);
});

test('native: no lockout by default', async () => {
  const { auth, store } = make();
  const pw = await createInitialAdmin(store, 'erin');
  for (let i = 0; i < 6; i++) await auth.authenticate({ username: 'erin', password: 'nope' });
  assert.deepEqual(await auth.authenticate({ username: 'erin', password: pw }), {
    name: 'erin',
    passwordChangeRequired: true,
  });
});

test('native: a one-time password must be changed; setRequiredPassword clears that, and so does a change', async () => {
  const { auth, store } = make();
  const pw = await createInitialAdmin(store, 'fay');
  assert.equal(store.rows.get('fay')!.mustChangePassword, true);
  assert.equal(await auth.authenticate({ username: 'fay', password: 'wrong' }), null);
  assert.deepEqual(await auth.authenticate({ username: 'fay', password: pw }), {
    name: 'fay',
    passwordChangeRequired: true,
  });
  await assert.rejects(auth.setRequiredPassword!('fay', 'short'), code('LABHUB_ERR_BAD_REQUEST'));
  await auth.setRequiredPassword!('fay', 'fay chose this');
  assert.equal(store.rows.get('fay')!.mustChangePassword, false);
  assert.equal(await auth.authenticate({ username: 'fay', password: pw }), null);
  assert.deepEqual(await auth.authenticate({ username: 'fay', password: 'fay chose this' }), {
    name: 'fay',
  });
  await assert.rejects(
    auth.setRequiredPassword!('ghost', 'long enough'),
    code('LABHUB_ERR_NOT_FOUND'),
  );
  // A reset by `labhub --admin` makes it one-time again; changing it with the old one clears it.
  const pw2 = await createInitialAdmin(store, 'fay');
  assert.equal(store.rows.get('fay')!.mustChangePassword, true);
  assert.equal(await auth.changePassword('fay', pw2, 'fay chose again'), true);
  assert.equal(store.rows.get('fay')!.mustChangePassword, false);
});

test('native: createInitialAdmin makes an approved account with a one-time password; again = reset', async () => {
  const store = new MemoryStore();
  const pw1 = await createInitialAdmin(store, 'Root');
  assert.ok(pw1.length >= 20);
  const row = store.rows.get('root')!;
  assert.equal(row.approved, true);
  assert.equal(await verifyPassword(pw1, row.passwordHash), true);
  const pw2 = await createInitialAdmin(store, 'root');
  assert.notEqual(pw1, pw2);
  assert.equal(await verifyPassword(pw1, store.rows.get('root')!.passwordHash), false);
  await assert.rejects(createInitialAdmin(store, 'bad/name'), code('LABHUB_ERR_BAD_REQUEST'));
});

test('native: a missing store is a wiring error', () => {
  assert.throws(
    () =>
      createAuthenticator(
        nativeAuthenticatorDefinition,
        {},
        {
          log: recordingLogger().log,
          accounts: undefined as unknown as MemoryAccounts,
        },
      ),
    code('LABHUB_ERR_INTERNAL'),
  );
});

test('password hash: salted, parameters stored, tamper-proof, bounded', async () => {
  const a = await hashPassword('same');
  const b = await hashPassword('same');
  assert.notEqual(a, b, 'two hashes of one password differ (salt)');
  assert.deepEqual(parseHash(a)?.params, { log2N: 15, r: 8, p: 1, keyLength: 32 });
  assert.equal(await verifyPassword('same', a), true);
  assert.equal(await verifyPassword('Same', a), false);
  // HMAC inside scrypt pads short keys with zeros: a trailing NUL must not give the same key.
  assert.equal(await verifyPassword('same\u0000', a), false, 'a NUL never verifies');
  const parts = a.split('$');
  const flipped = [
    ...parts.slice(0, 5),
    Buffer.from(Buffer.from(parts[5]!, 'base64url').map((x, i) => (i === 0 ? x ^ 1 : x))).toString(
      'base64url',
    ),
  ].join('$');
  assert.equal(await verifyPassword('same', flipped), false);
  assert.equal(parseHash(a.replace('scrypt$15$', 'scrypt$30$')), null, 'absurd cost refused');
  assert.equal(await verifyPassword('same', 'plaintext'), false);
  assert.equal(needsRehash(a), false);
  const weak = await hashPassword('x', { log2N: 10, r: 8, p: 1, keyLength: 32 });
  assert.equal(needsRehash(weak), true);
  assert.equal(await verifyPassword('x', weak), true);
  // NFC: composed and decomposed é are the same password.
  assert.equal(await verifyPassword('caf\u0065\u0301', await hashPassword('caf\u00e9')), true);
});

test('native: a weak stored hash is upgraded on successful login', async () => {
  const { auth, store } = make();
  await store.create({
    name: 'old',
    passwordHash: await hashPassword('pw-old-1', { log2N: 10, r: 8, p: 1, keyLength: 32 }),
    approved: true,
    createdAt: new Date(),
  });
  assert.deepEqual(await auth.authenticate({ username: 'old', password: 'pw-old-1' }), {
    name: 'old',
  });
  assert.match(store.rows.get('old')!.passwordHash, /^scrypt\$15\$/);
});

authenticatorContractSuite({
  label: 'native',
  async make() {
    const { auth } = make({ open_signup: true });
    await auth.signup({ username: 'alice', password: 'alice-pass-1' });
    return {
      authenticator: auth,
      account: { name: 'alice', password: 'alice-pass-1' },
      freeName: 'alice2',
    };
  },
  makeBroken() {
    const failing = new Proxy(new MemoryStore(), {
      get: () => () => Promise.reject(new Error('database is locked')),
    });
    return createAuthenticator(
      nativeAuthenticatorDefinition,
      {},
      {
        log: recordingLogger().log,
        accounts: failing,
      },
    );
  },
});
