import type { Logger } from '../log.js';
import { HubError, isHubError } from '../errors.js';
import type { Store, User } from '../db/index.js';
import type { Authenticator, LoginInput } from '../auth/types.js';
import { LOGIN_FAILED_MESSAGE, type Policy } from '../auth/policy.js';
import { loginRateLimitedError, type LoginRateLimiter } from '../auth/rate-limit.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';

export interface LoginServiceDeps {
  authenticator: Authenticator;
  authenticatorId: string;
  policy: Policy;
  limiter: LoginRateLimiter;
  store: Store;
  log: Logger;
  metrics: HubMetrics;
  /** Linux groups of a user (primary + supplementary), for allowed_groups/admin_groups. */
  groupsOf?: (name: string) => Promise<string[]>;
}

/**
 * Login = rate limit → authenticator (credentials) → policy (allow/block/admin) → user row.
 * Every refusal looks the same to the person; the log says exactly why.
 */
export class LoginService {
  constructor(private readonly d: LoginServiceDeps) {}

  get authenticator(): Authenticator {
    return this.d.authenticator;
  }

  get authenticatorId(): string {
    return this.d.authenticatorId;
  }

  get policy(): Policy {
    return this.d.policy;
  }

  normalize(name: string): string {
    return this.d.policy.normalize(name);
  }

  /** Check credentials and policy. Throws 403 LABHUB_ERR_LOGIN_FAILED or 429. */
  async login(input: LoginInput): Promise<User> {
    const t0 = Date.now();
    const name = this.d.policy.normalize(input.username ?? '');
    const shortName =
      JSON.stringify(name.slice(0, 16)) + (name.length > 16 ? `…(${name.length} chars)` : '');
    /** Record a failed attempt (log says why) and return the one generic error the person sees. */
    const fail = (why: string): HubError => {
      this.d.limiter.recordFailure({ username: name, remoteAddr: input.remoteAddr });
      this.d.metrics.loginDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
      this.d.log.warn({ remoteAddr: input.remoteAddr }, `Failed login for ${shortName}: ${why}`);
      return new HubError('LABHUB_ERR_LOGIN_FAILED', 403, LOGIN_FAILED_MESSAGE);
    };
    const valid = this.d.policy.validate(name);
    if (!valid.ok) throw fail(valid.reason);
    const verdict = this.d.limiter.check({ username: name, remoteAddr: input.remoteAddr });
    if (verdict.limited) {
      const err = loginRateLimitedError(verdict, { username: name, remoteAddr: input.remoteAddr });
      this.d.log.warn(err.logMessage ?? err.message);
      throw err;
    }
    let result;
    try {
      result = await this.d.authenticator.authenticate({
        username: name,
        password: input.password ?? '',
        remoteAddr: input.remoteAddr,
      });
    } catch (e) {
      // A refusal with its own message (native: awaiting approval, account locked).
      if (isHubError(e) && e.status < 500) {
        this.d.metrics.loginDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
        this.d.log.warn(
          { remoteAddr: input.remoteAddr },
          `Failed login for ${shortName}: ${e.logMessage ?? e.userMessage}`,
        );
      }
      throw e;
    }
    if (!result) throw fail('wrong username or password');
    const existing = await this.d.store.users.byName(result.name);
    const decision = await this.d.policy.check(result, {
      existsInDb: !!existing,
      groupsOf: this.d.groupsOf,
    });
    if (!decision.allowed) throw fail(decision.reason);
    let user =
      existing ?? (await this.d.store.users.create(decision.name, { admin: decision.admin }));
    if (decision.admin && !user.admin) {
      await this.d.store.users.setAdmin(user.id, true);
      user = { ...user, admin: true };
    }
    if (this.d.authenticator.addUser && !existing) await this.d.authenticator.addUser(user.name);
    if (result.authState)
      await this.d.store.users.setAuthState(user.id, result.authState as Record<string, unknown>);
    this.d.limiter.recordSuccess({ username: name, remoteAddr: input.remoteAddr });
    this.d.metrics.loginDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000);
    this.d.log.info(
      { remoteAddr: input.remoteAddr, via: decision.via },
      `User logged in: ${user.name}`,
    );
    return user;
  }
}
