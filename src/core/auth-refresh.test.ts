import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, type User } from '../db/index.js';
import type { AuthResult, Authenticator } from '../auth/types.js';
import { recordingLogger } from '../../test/auth/recording-logger.js';
import { AuthRefresher, parseStamp, refreshDue } from './auth-refresh.js';

test('refreshDue: fresh within the age, due after it (or never refreshed), expired until a login', () => {
  assert.equal(refreshDue(null, 1_000_000, 300), 'due');
  assert.equal(refreshDue('garbage', 1_000_000, 300), 'due');
  assert.equal(refreshDue('ok:1000000', 1_000_000 + 299_999, 300), 'fresh');
  assert.equal(refreshDue('ok:1000000', 1_000_000 + 300_000, 300), 'due');
  assert.equal(refreshDue('ok:2000000', 1_000_000, 300), 'due', 'a stamp from the future');
  assert.equal(refreshDue('expired:5', 1_000_000, 300), 'expired');
  assert.deepEqual(parseStamp('ok:42'), { kind: 'ok', at: 42 });
  assert.equal(parseStamp('ok:'), null);
});

/** An authenticator whose refreshUser is counted and can be held open, failed or expired. */
function fakeAuth(over: Partial<Authenticator> = {}) {
  const calls: { name: string; age?: number }[] = [];
  let answer: 'fresh' | 'expired' | 'throw' = 'fresh';
  let gate: Promise<void> = Promise.resolve();
  const auth: Authenticator = {
    enableAuthState: true,
    async authenticate() {
      return null;
    },
    async refreshUser(name, _state, opts) {
      calls.push({ name, age: opts?.age });
      await gate;
      if (answer === 'throw') throw new Error('provider down');
      if (answer === 'expired') return 'expired';
      return { name, authState: { access_token: `t${calls.length}` } } as AuthResult;
    },
    ...over,
  };
  return {
    auth,
    calls,
    answer: (a: typeof answer) => (answer = a),
    hold: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => open();
    },
  };
}

async function setUp(age = 300, over: Partial<Authenticator> = {}) {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const f = fakeAuth(over);
  let t = 10_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const applied: AuthResult[] = [];
  const make = () =>
    new AuthRefresher({
      authenticator: f.auth,
      store,
      log: recordingLogger().log,
      age,
      now: clock.now,
      apply: async (u: User, r: AuthResult) => {
        applied.push(r);
        await store.users.setAuthState(u.id, r.authState as Record<string, unknown>);
        return { ...u, authState: r.authState as Record<string, unknown> };
      },
    });
  const user = await store.users.create('ann');
  return { store, f, clock, applied, make, user };
}

test('a fresh login costs nothing; after auth_refresh_age one refresh, its auth_state returned', async () => {
  const { f, clock, make, user, store } = await setUp();
  const r = make();
  await r.loggedIn(user);
  assert.equal(await r.onRequest(user), user);
  clock.advance(299_000);
  assert.equal(await r.onRequest(user), user);
  assert.equal(f.calls.length, 0);
  clock.advance(2_000);
  const u = await r.onRequest(user);
  assert.deepEqual(u?.authState, { access_token: 't1' });
  assert.deepEqual(f.calls, [{ name: 'ann', age: 300 }]);
  assert.equal(await store.kv.get(`auth-refresh:${user.id}`), `ok:${clock.now()}`);
  assert.ok(await r.onRequest(user));
  assert.equal(f.calls.length, 1, 'fresh again');
});

test('one refresh at a time: concurrent requests, and two hubs on one database, fire one grant', async () => {
  const { f, make, user } = await setUp();
  const a = make();
  const b = make(); // another hub replica: same database, its own memory
  const open = f.hold();
  const waiting = [a, a, a, b, b].map((r) => r.onRequest(user));
  await new Promise((r) => setTimeout(r, 20));
  open();
  const users = await Promise.all(waiting);
  assert.equal(f.calls.length, 1);
  assert.ok(users.every((u) => u !== null));
});

test('an expired login refuses every request (in every hub) until the person logs in again', async () => {
  const { f, make, user } = await setUp();
  const a = make();
  const b = make();
  f.answer('expired');
  assert.equal(await a.onRequest(user), null);
  assert.equal(await a.onRequest(user), null);
  assert.equal(await b.onRequest(user), null);
  assert.equal(f.calls.length, 1, 'the provider is asked once, the stamp says expired');
  await b.loggedIn(user);
  assert.equal(await a.onRequest(user), user);
});

test('a provider that cannot be reached fails the request, and the next one tries again', async () => {
  const { f, make, user, store } = await setUp();
  const r = make();
  f.answer('throw');
  await assert.rejects(r.onRequest(user), /provider down/);
  assert.equal(await store.kv.get(`auth-refresh:${user.id}`), null, 'claim released');
  f.answer('fresh');
  assert.ok(await r.onRequest(user));
  assert.equal(f.calls.length, 2);
});

test('refresh_pre_spawn (force) refreshes a fresh login; its failure refuses only the start', async () => {
  const { f, make, user } = await setUp();
  const r = make();
  await r.loggedIn(user);
  assert.equal((await r.force(user)).kind, 'fresh');
  f.answer('expired');
  assert.equal((await r.force(user)).kind, 'expired');
  assert.equal(f.calls.length, 2);
  assert.equal(await r.onRequest(user), user, 'requests follow auth_refresh_age');
});

test('no refresh on requests, and no database access, without refreshUser, auth state or an age', async () => {
  const store = new Proxy({} as Store, {
    get: () => assert.fail('the store was used'),
  });
  const user = { id: 1, name: 'ann' } as User;
  const cases: [Partial<Authenticator>, number][] = [
    [{ refreshUser: undefined }, 300], // PAM, native, dummy, LDAP
    [{ enableAuthState: false }, 300],
    [{}, 0], // auth_refresh_age = 0
  ];
  for (const [over, age] of cases) {
    const f = fakeAuth(over);
    const r = new AuthRefresher({
      authenticator: f.auth,
      store,
      log: recordingLogger().log,
      age,
      apply: async () => assert.fail('applied'),
    });
    assert.equal(await r.onRequest(user), user);
    await r.loggedIn(user);
    assert.equal(f.calls.length, 0);
  }
});
