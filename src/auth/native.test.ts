import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createInitialAdmin,
  nativeAuthenticatorDefinition,
  type NativeAccount,
  type NativeAccountStore,
  type NativeAuthenticator,
} from './native.js';
import { hashPassword, parseHash, verifyPassword, needsRehash } from './password-hash.js';
import { recordingLogger } from '../../test/auth/recording-logger.js';
import { isHubError, type ErrorCode } from '../errors.js';

/** In-memory NativeAccountStore, for these unit tests only (the hub implements it on its DB). */
class MemoryStore implements NativeAccountStore {
  readonly rows = new Map<string, NativeAccount>();
  async get(name: string) {
    const r = this.rows.get(name);
    return r ? { ...r } : null;
  }
  async create(a: NativeAccount) {
    if (this.rows.has(a.name)) throw new Error(`duplicate ${a.name}`);
    this.rows.set(a.name, { ...a });
  }
  async update(name: string, patch: Partial<NativeAccount>) {
    const r = this.rows.get(name);
    if (!r) throw new Error(`no ${name}`);
    this.rows.set(name, { ...r, ...patch });
  }
  async list(opts: { pending?: boolean } = {}) {
    return [...this.rows.values()].filter(
      (r) => opts.pending === undefined || r.approved === !opts.pending,
    );
  }
}

function make(options: Record<string, unknown> = {}) {
  const store = new MemoryStore();
  let t = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => t, advance: (s: number) => (t += s * 1000) };
  const { log, lines } = recordingLogger();
  const auth = nativeAuthenticatorDefinition.create({
    options: { store, now: clock.now, ...options },
    log,
  }) as NativeAuthenticator;
  return { store, auth, clock, lines };
}

const code = (c: ErrorCode) => (e: unknown) => isHubError(e) && e.code === c;

test('native: sign-up is off unless open_signup', async () => {
  const { auth } = make();
  assert.equal(auth.signupEnabled, false);
  await assert.rejects(auth.signup('alice', 'long enough pw'), code('LABHUB_ERR_FORBIDDEN'));
});

test('native: a sign-up waits for approval, then logs in', async () => {
  const { auth, store } = make({ open_signup: true });
  assert.deepEqual(await auth.signup(' Alice ', 'correct horse'), {
    name: 'alice',
    approved: false,
  });
  assert.equal(await auth.authenticate({ username: 'alice', password: 'correct horse' }), null);
  assert.deepEqual(
    (await auth.listPending()).map((a) => a.name),
    ['alice'],
  );
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

test('native: signup_requires_approval false approves at once', async () => {
  const { auth } = make({ open_signup: true, signup_requires_approval: false });
  assert.deepEqual(await auth.signup('bob', 'password1'), { name: 'bob', approved: true });
  assert.deepEqual(await auth.authenticate({ username: 'bob', password: 'password1' }), {
    name: 'bob',
  });
});

test('native: sign-up validation: short password, bad name, taken name', async () => {
  const { auth } = make({ open_signup: true, minimum_password_length: 10 });
  await assert.rejects(auth.signup('carol', '123456789'), code('LABHUB_ERR_BAD_REQUEST'));
  await assert.rejects(auth.signup('a/b', '1234567890'), code('LABHUB_ERR_BAD_REQUEST'));
  await assert.rejects(auth.signup('', '1234567890'), code('LABHUB_ERR_BAD_REQUEST'));
  await auth.signup('carol', '1234567890');
  await assert.rejects(auth.signup('Carol', 'abcdefghijk'), code('LABHUB_ERR_CONFLICT'));
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
  assert.ok(lines.some((l) => l.level === 'warn' && /locked until/.test(l.msg)));
  assert.equal(
    await auth.authenticate({ username: 'dora', password: pw }),
    null,
    'right password refused while locked',
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
    () => nativeAuthenticatorDefinition.create({ options: {}, log: recordingLogger().log }),
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
