import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { HubError, isHubError } from '../errors.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import { createAuthenticator } from '../auth/define.js';
import { dummyAuthenticatorDefinition } from '../auth/dummy.js';
import { createPolicy, LOGIN_FAILED_MESSAGE } from '../auth/policy.js';
import { createLoginRateLimiter } from '../auth/rate-limit.js';
import type { Authenticator } from '../auth/types.js';
import { recordingLogger } from '../../test/auth/recording-logger.js';
import { MemoryAccounts } from '../../test/contracts/memory-accounts.js';
import { LoginService } from './login.js';

async function service(
  over: {
    authenticator?: Authenticator;
    options?: Record<string, unknown>;
    groupsOf?: (n: string) => Promise<string[]>;
  } = {},
) {
  const { log, lines } = recordingLogger();
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  const authenticator =
    over.authenticator ??
    createAuthenticator(
      dummyAuthenticatorDefinition,
      { password: 'letmein' },
      { log, accounts: new MemoryAccounts() },
    );
  let t = 0;
  const login = new LoginService({
    authenticator,
    authenticatorId: 'dummy',
    policy: createPolicy(over.options ?? { allowed_users: ['alice'], admin_users: ['root'] }),
    limiter: createLoginRateLimiter({
      now: () => (t += 1000),
      perUser: { max: 3, windowSeconds: 600 },
    }),
    store,
    log,
    metrics: new HubMetrics(),
    groupsOf: over.groupsOf,
  });
  return { login, store, lines };
}

const failed = (e: unknown) =>
  isHubError(e) &&
  e.code === 'LABHUB_ERR_LOGIN_FAILED' &&
  e.status === 403 &&
  e.userMessage === LOGIN_FAILED_MESSAGE;

const user = async (login: LoginService, username: string, password: string) => {
  const o = await login.login({ username, password });
  assert.equal(o.kind, 'user');
  return o.kind === 'user' ? o.user : assert.fail('not a user');
};

test('login: an allowed user and an admin get their user rows, names normalized', async () => {
  const { login, store } = await service();
  try {
    const alice = await user(login, ' Alice ', 'letmein');
    assert.equal(alice.name, 'alice');
    assert.equal(alice.admin, false);
    assert.equal((await user(login, 'root', 'letmein')).admin, true);
  } finally {
    await store.close();
  }
});

test('login: a wrong password and a policy refusal look the same to the person, differ in the log', async () => {
  const { login, store, lines } = await service();
  try {
    await assert.rejects(login.login({ username: 'alice', password: 'nope' }), failed);
    await assert.rejects(login.login({ username: 'mallory', password: 'letmein' }), failed);
    const why = lines.filter((l) => /Failed login/.test(l.msg)).map((l) => l.msg);
    assert.match(why[0]!, /wrong username or password/);
    assert.match(why[1]!, /not in allowed_users/);
  } finally {
    await store.close();
  }
});

test('login: the rate limit stops checking credentials and answers 429 with Retry-After', async () => {
  let calls = 0;
  const counting: Authenticator = { authenticate: async () => (calls++, null) };
  const { login, store } = await service({ authenticator: counting });
  try {
    for (let i = 0; i < 3; i++)
      await assert.rejects(
        login.login({ username: 'alice', password: 'x', remoteAddr: '10.0.0.5' }),
        failed,
      );
    await assert.rejects(
      login.login({ username: 'ALICE', password: 'x', remoteAddr: '10.0.0.6' }),
      (e) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_TOO_MANY_REQUESTS' &&
        Number(e.headers['Retry-After']) > 0,
    );
    assert.equal(calls, 3, 'the limited attempt never reached the authenticator');
  } finally {
    await store.close();
  }
});

test('login: "cannot check" errors pass through and do not count as failures', async () => {
  const broken: Authenticator = {
    authenticate: async () => {
      throw new HubError('LABHUB_ERR_PAM', 500, 'cannot check');
    },
  };
  const { login, store } = await service({ authenticator: broken });
  try {
    for (let i = 0; i < 5; i++)
      await assert.rejects(
        login.login({ username: 'alice', password: 'x' }),
        (e) => isHubError(e) && e.code === 'LABHUB_ERR_PAM',
      );
  } finally {
    await store.close();
  }
});

test('login: an authenticator that throws something else is LABHUB_ERR_INTERNAL, its cause logged and never shown', async () => {
  const cause = new TypeError('boom: secret detail');
  const weird: Authenticator = {
    authenticate: async () => {
      throw cause;
    },
  };
  const { login, store, lines } = await service({ authenticator: weird });
  try {
    await assert.rejects(
      login.login({ username: 'alice', password: 'x' }),
      (e) =>
        isHubError(e) &&
        e.code === 'LABHUB_ERR_INTERNAL' &&
        e.status === 500 &&
        !e.userMessage.includes('boom') &&
        e.cause === cause,
    );
    assert.ok(
      lines.some((l) => l.level === 'error' && /authenticator threw.*boom/.test(l.msg)),
      JSON.stringify(lines),
    );
  } finally {
    await store.close();
  }
});

test('login: existing hub users and the groups callback reach the policy', async () => {
  const { login, store } = await service({
    options: { allowed_users: ['alice'], allowed_groups: ['jupyter'], allow_existing_users: true },
    groupsOf: async (n) => (n === 'carol' ? ['jupyter'] : []),
  });
  try {
    await store.users.create('olduser');
    assert.equal((await user(login, 'olduser', 'letmein')).name, 'olduser');
    assert.equal((await user(login, 'carol', 'letmein')).name, 'carol');
    await assert.rejects(login.login({ username: 'dave', password: 'letmein' }), failed);
  } finally {
    await store.close();
  }
});
