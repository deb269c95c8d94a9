/**
 * NativeAuthenticator's `allowed_failed_logins` / `seconds_before_next_try`: after that many
 * failed logins in a row an account is locked for that many seconds, even for the right password.
 *
 * Accounts keep their counter and lock in the database (they survive a restart and hold for
 * every hub replica). Names without an account are counted the same way in memory (bounded), so
 * a lock never tells an outsider which names exist.
 */
import { HubError } from '../errors.js';
import type { Logger } from '../log.js';
import { logName } from './options.js';
import type { NativeAccount, NativeAccountStore } from './native.js';

/** Names without an account tracked at most (oldest dropped first). */
const MAX_UNKNOWN = 10_000;

export interface LockoutOptions {
  /** Failures in a row before the lock; 0 = never lock. */
  allowedFailures: number;
  lockSeconds: number;
  store: NativeAccountStore;
  log: Logger;
  now: () => number;
}

export class NativeLockout {
  private readonly unknown = new Map<string, { failed: number; lockedUntil: number }>();

  constructor(private readonly o: LockoutOptions) {}

  get enabled(): boolean {
    return this.o.allowedFailures > 0;
  }

  /** Throws HubError LABHUB_ERR_TOO_MANY_REQUESTS (429, Retry-After) while `name` is locked. */
  check(name: string, acct: NativeAccount | null): void {
    if (!this.enabled) return;
    const until = acct
      ? (acct.lockedUntil?.getTime() ?? 0)
      : (this.unknown.get(name)?.lockedUntil ?? 0);
    const left = Math.ceil((until - this.o.now()) / 1000);
    if (left <= 0) return;
    throw new HubError(
      'LABHUB_ERR_TOO_MANY_REQUESTS',
      429,
      `Too many failed login attempts. Try again in ${left} seconds.`,
      {
        headers: { 'Retry-After': String(left) },
        logMessage: `native: "${logName(name)}" is locked for ${left} s more (NativeAuthenticator.allowed_failed_logins)`,
      },
    );
  }

  /** Counts a failed login; the failure that reaches allowed_failed_logins starts the lock. */
  async failure(name: string, acct: NativeAccount | null): Promise<void> {
    if (!this.enabled) return;
    const failed = (acct ? (acct.failedLogins ?? 0) : (this.unknown.get(name)?.failed ?? 0)) + 1;
    const lock = failed >= this.o.allowedFailures;
    const lockedUntil = lock ? this.o.now() + this.o.lockSeconds * 1000 : 0;
    if (acct)
      await this.o.store.update(name, {
        failedLogins: lock ? 0 : failed,
        ...(lock ? { lockedUntil: new Date(lockedUntil) } : {}),
      });
    else {
      this.unknown.delete(name);
      this.unknown.set(name, { failed: lock ? 0 : failed, lockedUntil });
      while (this.unknown.size > MAX_UNKNOWN)
        this.unknown.delete(this.unknown.keys().next().value as string);
    }
    if (lock)
      this.o.log.warn(
        `native: "${logName(name)}" locked for ${this.o.lockSeconds} s after ${failed} failed logins`,
      );
  }

  /** The counter and lock fields to clear after a successful login, if any. */
  cleared(acct: NativeAccount): Partial<NativeAccount> {
    return (acct.failedLogins ?? 0) !== 0 || acct.lockedUntil
      ? { failedLogins: 0, lockedUntil: null }
      : {};
  }
}
