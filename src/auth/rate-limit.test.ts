import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLoginRateLimiter,
  loginRateLimitedError,
  DEFAULT_PER_USER,
  DEFAULT_PER_ADDRESS,
} from './rate-limit.js';
import { isHubError } from '../errors.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
}

test('rate limit: defaults are 5 per user and 20 per address in 5 minutes', () => {
  assert.deepEqual(DEFAULT_PER_USER, { max: 5, windowSeconds: 300 });
  assert.deepEqual(DEFAULT_PER_ADDRESS, { max: 20, windowSeconds: 300 });
});

test('rate limit: the 6th attempt for one user is refused, with retry-after, then the window slides', () => {
  const c = clock();
  const rl = createLoginRateLimiter({ now: c.now });
  const a = { username: 'alice', remoteAddr: '10.0.0.1' };
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(rl.check(a), { limited: false }, `attempt ${i + 1}`);
    rl.recordFailure(a);
    c.advance(10);
  }
  const v = rl.check(a);
  assert.ok(v.limited);
  if (v.limited) {
    assert.equal(v.scope, 'user');
    assert.equal(v.retryAfter, 300 - 50); // first failure at t0, now t0+50 s
  }
  // Another address does not help: the limit is per user too.
  assert.equal(rl.check({ username: 'alice', remoteAddr: '10.9.9.9' }).limited, true);
  // Case and spaces do not create a new key.
  assert.equal(rl.check({ username: ' ALICE ', remoteAddr: '10.9.9.9' }).limited, true);
  // Another user from the same address is fine (address limit is 20).
  assert.equal(rl.check({ username: 'bob', remoteAddr: '10.0.0.1' }).limited, false);
  c.advance(250); // the first failure leaves the window
  assert.equal(rl.check(a).limited, false);
  rl.recordFailure(a);
  assert.equal(rl.check(a).limited, true);
});

test('rate limit: per address across many usernames', () => {
  const c = clock();
  const rl = createLoginRateLimiter({ now: c.now, perAddress: { max: 3, windowSeconds: 60 } });
  for (const u of ['a', 'b', 'c']) rl.recordFailure({ username: u, remoteAddr: '192.0.2.7' });
  const v = rl.check({ username: 'd', remoteAddr: '192.0.2.7' });
  assert.ok(v.limited && v.scope === 'address' && v.retryAfter === 60);
  assert.equal(rl.check({ username: 'd', remoteAddr: '192.0.2.8' }).limited, false);
  assert.equal(rl.check({ username: 'd' }).limited, false); // no address known: user limit only
});

test('rate limit: success clears the user counter but not the address counter', () => {
  const c = clock();
  const rl = createLoginRateLimiter({
    now: c.now,
    perUser: { max: 2, windowSeconds: 60 },
    perAddress: { max: 3, windowSeconds: 60 },
  });
  const a = { username: 'alice', remoteAddr: '::1' };
  rl.recordFailure(a);
  rl.recordFailure(a);
  assert.equal(rl.check(a).limited, true);
  rl.recordSuccess(a);
  assert.equal(rl.check(a).limited, false);
  rl.recordFailure(a);
  const v = rl.check({ username: 'zed', remoteAddr: '::1' });
  assert.ok(v.limited && v.scope === 'address');
});

test('rate limit: memory stays bounded under a flood of distinct names and addresses', () => {
  const c = clock();
  const rl = createLoginRateLimiter({ now: c.now, maxKeys: 100 });
  for (let i = 0; i < 5000; i++)
    rl.recordFailure({
      username: `user${i}-${'x'.repeat(i % 300)}`,
      remoteAddr: `10.1.${i >> 8}.${i & 255}`,
    });
  assert.ok(rl.size() <= 100, `tracked ${rl.size()} keys`);
  assert.ok(rl.size() > 0);
});

test('rate limit: max 0 disables a limit; invalid limits are config errors', () => {
  const rl = createLoginRateLimiter({
    perUser: { max: 0, windowSeconds: 60 },
    perAddress: { max: 0, windowSeconds: 60 },
  });
  for (let i = 0; i < 50; i++) rl.recordFailure({ username: 'a', remoteAddr: '1.1.1.1' });
  assert.equal(rl.check({ username: 'a', remoteAddr: '1.1.1.1' }).limited, false);
  assert.throws(
    () => createLoginRateLimiter({ perUser: { max: -1, windowSeconds: 60 } }),
    (e) => isHubError(e) && e.code === 'LABHUB_ERR_CONFIG',
  );
});

test('rate limit: the 429 error carries Retry-After and does not name the key on the page', () => {
  const e = loginRateLimitedError(
    { limited: true, retryAfter: 42, scope: 'address' },
    { username: 'alice', remoteAddr: '10.0.0.1' },
  );
  assert.equal(e.code, 'LABHUB_ERR_TOO_MANY_REQUESTS');
  assert.equal(e.status, 429);
  assert.equal(e.headers['Retry-After'], '42');
  assert.doesNotMatch(e.userMessage, /10\.0\.0\.1|alice/);
  assert.match(e.logMessage ?? '', /address 10\.0\.0\.1/);
});
