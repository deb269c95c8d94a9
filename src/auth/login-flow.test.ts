import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performLogin, type LoginDeps } from './login-flow.js';
import { createPolicy, LOGIN_FAILED_MESSAGE } from './policy.js';
import { createLoginRateLimiter } from './rate-limit.js';
import { dummyAuthenticatorDefinition } from './dummy.js';
import { recordingLogger } from '../../test/auth/recording-logger.js';
import { HubError, isHubError } from '../errors.js';
import type { Authenticator } from './types.js';

function deps(over: Partial<LoginDeps> & { options?: Record<string, unknown> } = {}) {
  const { log, lines } = recordingLogger();
  const authenticator = dummyAuthenticatorDefinition.create({
    options: { password: 'letmein' },
    log,
  });
  let t = 0;
  const d: LoginDeps = {
    authenticator,
    policy: createPolicy(over.options ?? { allowed_users: ['alice'], admin_users: ['root'] }, {
      authenticatorId: 'dummy',
    }),
    rateLimiter: createLoginRateLimiter({
      now: () => (t += 1000),
      perUser: { max: 3, windowSeconds: 600 },
    }),
    log,
    userExists: async () => false,
    ...over,
  };
  return { d, lines };
}

const failed = (e: unknown) =>
  isHubError(e) &&
  e.code === 'LABHUB_ERR_LOGIN_FAILED' &&
  e.status === 403 &&
  e.userMessage === LOGIN_FAILED_MESSAGE;

test('login flow: allowed user, admin user', async () => {
  const { d } = deps();
  assert.deepEqual(await performLogin(d, { username: 'Alice', password: 'letmein' }), {
    name: 'alice',
    admin: false,
    via: 'allowed_users',
  });
  assert.equal((await performLogin(d, { username: 'root', password: 'letmein' })).admin, true);
});

test('login flow: wrong password and policy refusal look the same to the person, differ in the log', async () => {
  const { d } = deps();
  let wrong: HubError | undefined;
  let refused: HubError | undefined;
  await performLogin(d, { username: 'alice', password: 'nope' }).catch((e) => (wrong = e));
  await performLogin(d, { username: 'mallory', password: 'letmein' }).catch((e) => (refused = e));
  assert.ok(failed(wrong) && failed(refused));
  assert.match(wrong!.logMessage!, /wrong credentials/);
  assert.match(refused!.logMessage!, /not in allowed_users/);
});

test('login flow: rate limit stops checking credentials and answers 429 with Retry-After', async () => {
  let calls = 0;
  const counting: Authenticator = { authenticate: async () => (calls++, null) };
  const { d } = deps({ authenticator: counting });
  for (let i = 0; i < 3; i++)
    await assert.rejects(
      performLogin(d, { username: 'alice', password: 'x', remoteAddr: '10.0.0.5' }),
      failed,
    );
  await assert.rejects(
    performLogin(d, { username: 'ALICE', password: 'x', remoteAddr: '10.0.0.6' }),
    (e) =>
      isHubError(e) &&
      e.code === 'LABHUB_ERR_TOO_MANY_REQUESTS' &&
      Number(e.headers['Retry-After']) > 0,
  );
  assert.equal(calls, 3, 'the limited attempt never reached the authenticator');
});

test('login flow: "cannot check" errors pass through and do not count as failures', async () => {
  const broken: Authenticator = {
    authenticate: async () => {
      throw new HubError('LABHUB_ERR_PAM', 500, 'cannot check');
    },
  };
  const { d } = deps({ authenticator: broken });
  for (let i = 0; i < 5; i++)
    await assert.rejects(
      performLogin(d, { username: 'alice', password: 'x' }),
      (e) => isHubError(e) && e.code === 'LABHUB_ERR_PAM',
    );
  const weird: Authenticator = {
    authenticate: async () => {
      throw new TypeError('boom');
    },
  };
  await assert.rejects(
    performLogin({ ...d, authenticator: weird }, { username: 'alice', password: 'x' }),
    (e) => isHubError(e) && e.code === 'LABHUB_ERR_INTERNAL' && !e.userMessage.includes('boom'),
  );
});

test('login flow: existing hub users and groups reach the policy', async () => {
  const { d } = deps({
    options: { allowed_users: ['alice'], allowed_groups: ['jupyter'] },
    userExists: async (n) => n === 'olduser',
    groupsOf: async (n) => (n === 'carol' ? ['jupyter'] : []),
  });
  assert.equal(
    (await performLogin(d, { username: 'olduser', password: 'letmein' })).via,
    'allow_existing_users (already a hub user)',
  );
  assert.deepEqual(await performLogin(d, { username: 'carol', password: 'letmein' }), {
    name: 'carol',
    admin: false,
    via: 'allowed_groups (jupyter)',
    groups: ['jupyter'],
  });
});
