/**
 * Rate limit for failed logins, per username and per client address, with a sliding window.
 * JupyterHub has none in core (user-needs.md §4.1). Memory is bounded: at most `maxKeys` keys
 * are tracked (least recently updated dropped first) and each key keeps at most `max` timestamps.
 *
 * Use: before checking credentials call `check()`; if limited, answer 429 with Retry-After and do
 * not call the authenticator. After a refused login call `recordFailure()`; after a successful one
 * `recordSuccess()` (clears the user's counter, not the address's).
 */
import { createHash } from 'node:crypto';
import { HubError } from '../errors.js';

export interface WindowLimit {
  /** Failures allowed inside the window; the next attempt is refused. 0 = no limit. */
  max: number;
  windowSeconds: number;
}

export interface LoginRateLimitOptions {
  /** Default 5 failures per 5 minutes. */
  perUser?: WindowLimit;
  /** Default 20 failures per 5 minutes. */
  perAddress?: WindowLimit;
  /** Keys tracked at most (users + addresses); default 10,000. */
  maxKeys?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export interface LoginAttempt {
  /** The normalized username as typed (may not exist). */
  username: string;
  remoteAddr?: string;
}

export type RateLimitVerdict =
  { limited: false } | { limited: true; retryAfter: number; scope: 'user' | 'address' };

/** What the login needs: in memory (one process) or in the database (every hub replica). */
export interface LoginRateLimiter {
  check(a: LoginAttempt): RateLimitVerdict | Promise<RateLimitVerdict>;
  recordFailure(a: LoginAttempt): void | Promise<void>;
  recordSuccess(a: LoginAttempt): void | Promise<void>;
}

/** The in-memory limiter of one hub process. */
export interface MemoryLoginRateLimiter extends LoginRateLimiter {
  check(a: LoginAttempt): RateLimitVerdict;
  recordFailure(a: LoginAttempt): void;
  recordSuccess(a: LoginAttempt): void;
  /** Number of keys tracked now (for metrics and tests). */
  size(): number;
}

export const DEFAULT_PER_USER: WindowLimit = { max: 5, windowSeconds: 300 };
export const DEFAULT_PER_ADDRESS: WindowLimit = { max: 20, windowSeconds: 300 };
export const DEFAULT_MAX_KEYS = 10_000;

function keyPart(s: string): string {
  // Long attacker-chosen names are hashed so a key never costs more than ~70 bytes.
  return s.length <= 64 ? s : `#${createHash('sha256').update(s).digest('base64url')}`;
}

/** The keys an attempt counts under: its user name and (when known) its client address. */
export function loginLimitKeys(a: LoginAttempt): { user: string; address: string | null } {
  return {
    user: `u:${keyPart(a.username.trim().toLowerCase())}`,
    address: a.remoteAddr ? `a:${keyPart(a.remoteAddr)}` : null,
  };
}

/** `limit` (validated) or the default; throws LABHUB_ERR_CONFIG for a bad one. */
export function checkLimit(l: WindowLimit, what: string): WindowLimit {
  if (!Number.isInteger(l.max) || l.max < 0 || !(l.windowSeconds > 0))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${what} must have an integer max >= 0 and windowSeconds > 0, but it is ${JSON.stringify(l)}.`,
    );
  return l;
}

/** Create a limiter; see the module comment for the call order. */
export function createLoginRateLimiter(opts: LoginRateLimitOptions = {}): MemoryLoginRateLimiter {
  const perUser = checkLimit(opts.perUser ?? DEFAULT_PER_USER, 'login rate limit per user');
  const perAddress = checkLimit(
    opts.perAddress ?? DEFAULT_PER_ADDRESS,
    'login rate limit per address',
  );
  const maxKeys = Math.max(1, opts.maxKeys ?? DEFAULT_MAX_KEYS);
  const now = opts.now ?? Date.now;
  // Map keeps insertion order: delete + set on update makes it least-recently-updated first.
  const hits = new Map<string, number[]>();

  const userKey = (a: LoginAttempt) => loginLimitKeys(a).user;
  const addrKey = (a: LoginAttempt) => loginLimitKeys(a).address;

  function recent(key: string, limit: WindowLimit, t: number): number[] {
    const list = hits.get(key);
    if (!list) return [];
    const from = t - limit.windowSeconds * 1000;
    const kept = list.filter((x) => x > from);
    if (kept.length === 0) hits.delete(key);
    else if (kept.length !== list.length) hits.set(key, kept);
    return kept;
  }

  function verdict(
    key: string | null,
    limit: WindowLimit,
    scope: 'user' | 'address',
    t: number,
  ): RateLimitVerdict {
    if (!key || limit.max === 0) return { limited: false };
    const list = recent(key, limit, t);
    if (list.length < limit.max) return { limited: false };
    // The attempt is allowed again when the oldest failure that still counts leaves the window.
    const oldest = list[list.length - limit.max]!;
    const retryAfter = Math.max(1, Math.ceil((oldest + limit.windowSeconds * 1000 - t) / 1000));
    return { limited: true, retryAfter, scope };
  }

  function add(key: string | null, limit: WindowLimit, t: number): void {
    if (!key || limit.max === 0) return;
    const list = recent(key, limit, t);
    list.push(t);
    if (list.length > limit.max) list.splice(0, list.length - limit.max);
    hits.delete(key);
    hits.set(key, list);
    while (hits.size > maxKeys) hits.delete(hits.keys().next().value as string);
  }

  return {
    check(a) {
      const t = now();
      const u = verdict(userKey(a), perUser, 'user', t);
      const ad = verdict(addrKey(a), perAddress, 'address', t);
      if (u.limited && ad.limited) return u.retryAfter >= ad.retryAfter ? u : ad;
      return u.limited ? u : ad;
    },
    recordFailure(a) {
      const t = now();
      add(userKey(a), perUser, t);
      add(addrKey(a), perAddress, t);
    },
    recordSuccess(a) {
      hits.delete(userKey(a));
    },
    size: () => hits.size,
  };
}

/** The 429 error for a limited login, with Retry-After; the page text does not say which key tripped. */
export function loginRateLimitedError(
  v: Extract<RateLimitVerdict, { limited: true }>,
  attempt: LoginAttempt,
): HubError {
  return new HubError(
    'LABHUB_ERR_TOO_MANY_REQUESTS',
    429,
    `Too many failed login attempts. Try again in ${v.retryAfter} seconds.`,
    {
      headers: { 'Retry-After': String(v.retryAfter) },
      logMessage: `login rate limit (${v.scope}) reached for ${v.scope === 'user' ? `user ${JSON.stringify(attempt.username.slice(0, 16))}` : `address ${attempt.remoteAddr}`}`,
    },
  );
}
