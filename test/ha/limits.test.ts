// Cluster-wide limits (docs/high-availability.md) on a real PostgreSQL, with two connections
// standing for two hub replicas: the login rate limit counts failures recorded by either, and
// concurrent_spawn_limit / active_server_limit count spawns and servers of every replica.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Store, parseDbUrl } from '../../src/db/index.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { createSharedLoginRateLimiter } from '../../src/core/shared-login-limit.js';
import { checkSpawnLimits } from '../../src/core/spawn/spawn-limits.js';
import { isHubError } from '../../src/errors.js';

let pg: TestPostgres | undefined;
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
  pg?.stop();
});

test('login rate limit and spawn limits are counted across replicas, from the database', async () => {
  pg = await startTestPostgres();
  const url = await pg.createDatabase('labhub_ha_limits');
  const a = await Store.open(parseDbUrl(url));
  const b = await Store.open(parseDbUrl(url));
  stores.push(a, b);
  const limits = {
    perUser: { max: 3, windowSeconds: 60 },
    perAddress: { max: 5, windowSeconds: 60 },
  };
  const ra = createSharedLoginRateLimiter(a, limits);
  const rb = createSharedLoginRateLimiter(b, limits);
  const alice = { username: 'Alice', remoteAddr: '10.0.0.1' };
  // Failures alternate between the replicas; the limit is the configured one, not twice it.
  await ra.recordFailure(alice);
  await rb.recordFailure(alice);
  assert.equal((await ra.check(alice)).limited, false);
  await ra.recordFailure(alice);
  const v = await rb.check({ username: 'alice', remoteAddr: '10.0.0.2' });
  assert.ok(
    v.limited && v.scope === 'user' && v.retryAfter > 0 && v.retryAfter <= 60,
    JSON.stringify(v),
  );
  // Per address: two more failures of other users from the same address trip it.
  await rb.recordFailure({ username: 'bob', remoteAddr: '10.0.0.1' });
  assert.equal((await ra.check({ username: 'carol', remoteAddr: '10.0.0.1' })).limited, false);
  await ra.recordFailure({ username: 'dave', remoteAddr: '10.0.0.1' });
  const va = await rb.check({ username: 'carol', remoteAddr: '10.0.0.1' });
  assert.ok(va.limited && va.scope === 'address', JSON.stringify(va));
  // A successful login on one replica clears the user's count for every replica.
  await rb.recordSuccess(alice);
  assert.equal((await ra.check({ username: 'alice', remoteAddr: '10.0.0.9' })).limited, false);

  // Spawns: a server spawning on replica "r-other" counts on this one.
  const u1 = await a.users.ensure('limits-u1');
  const u2 = await a.users.ensure('limits-u2');
  const s1 = await a.servers.ensure(u1.id, '');
  await a.servers.ensure(u2.id, '');
  assert.ok(await b.servers.claimForSpawn(s1.id, 'r-other', { started: new Date() }));
  const deps = (concurrentSpawnLimit: number, activeServerLimit: number) => ({
    settings: { concurrentSpawnLimit, activeServerLimit } as never,
    store: a,
    metrics: { spawnDuration: { observe: () => undefined } } as never,
  });
  const refused = async (c: number, m: number) =>
    checkSpawnLimits(deps(c, m), 0).then(
      () => null,
      (e: unknown) => (isHubError(e) ? `${e.status} ${e.userMessage}` : String(e)),
    );
  assert.match((await refused(1, 0)) ?? '', /^429 Too many users .*1 servers starting/);
  assert.equal(await refused(2, 0), null);
  assert.match((await refused(0, 1)) ?? '', /^429 Active user limit \(1\)/);
  assert.equal(await refused(0, 2), null);
});
