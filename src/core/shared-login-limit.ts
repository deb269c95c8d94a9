/**
 * The login rate limit of src/auth/rate-limit.ts, counted in the database (table
 * login_failures, migration 013) instead of one process's memory, so that with several hub
 * replicas on PostgreSQL the limit is the configured one for the whole cluster, not N times it
 * (docs/high-availability.md). Same keys, windows and verdicts; times on the database's clock.
 */
import type { Store } from '../db/index.js';
import {
  checkLimit,
  loginLimitKeys,
  type LoginAttempt,
  type LoginRateLimiter,
  type RateLimitVerdict,
  type WindowLimit,
} from '../auth/rate-limit.js';

/** Prune old failures at most this often (ms). */
const PRUNE_EVERY_MS = 60_000;

export function createSharedLoginRateLimiter(
  store: Store,
  limits: { perUser: WindowLimit; perAddress: WindowLimit },
): LoginRateLimiter {
  const perUser = checkLimit(limits.perUser, 'login rate limit per user');
  const perAddress = checkLimit(limits.perAddress, 'login rate limit per address');
  const repo = store.loginFailures;
  const now = () => store.replicas.nowMs();
  let prunedAt = 0;

  async function verdict(
    key: string | null,
    limit: WindowLimit,
    scope: 'user' | 'address',
    t: number,
  ): Promise<RateLimitVerdict> {
    if (!key || limit.max === 0) return { limited: false };
    const times = await repo.recent(key, t - limit.windowSeconds * 1000, limit.max);
    if (times.length < limit.max) return { limited: false };
    // Allowed again when the oldest failure that still counts leaves the window.
    const retryAfter = Math.max(1, Math.ceil((times[0]! + limit.windowSeconds * 1000 - t) / 1000));
    return { limited: true, retryAfter, scope };
  }

  return {
    async check(a: LoginAttempt) {
      const t = await now();
      const k = loginLimitKeys(a);
      const [u, ad] = await Promise.all([
        verdict(k.user, perUser, 'user', t),
        verdict(k.address, perAddress, 'address', t),
      ]);
      if (u.limited && ad.limited) return u.retryAfter >= ad.retryAfter ? u : ad;
      return u.limited ? u : ad;
    },
    async recordFailure(a: LoginAttempt) {
      const t = await now();
      const k = loginLimitKeys(a);
      const keys = [
        ...(perUser.max ? [k.user] : []),
        ...(k.address && perAddress.max ? [k.address] : []),
      ];
      await repo.record(keys, t);
      if (t - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = t;
        const window = Math.max(perUser.windowSeconds, perAddress.windowSeconds) * 1000;
        await repo.prune(t - window);
      }
    },
    async recordSuccess(a: LoginAttempt) {
      await repo.clear(loginLimitKeys(a).user);
    },
  };
}
