import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { JsonObject } from '../util/json.js';
import { HubError, isHubError } from '../errors.js';
import type { Store, User } from '../db/index.js';
import type { AuthResult, Authenticator, LoginInput } from '../auth/types.js';
import { LOGIN_FAILED_MESSAGE, type Policy, type PolicyDecision } from '../auth/policy.js';
import { loginRateLimitedError, type LoginRateLimiter } from '../auth/rate-limit.js';
import { hashPassword, verifyPassword } from '../auth/password-hash.js';
import { logName } from '../auth/options.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import { AuthRefresher } from './auth-refresh.js';

export interface LoginServiceDeps {
  authenticator: Authenticator;
  authenticatorId: string;
  policy: Policy;
  limiter: LoginRateLimiter;
  store: Store;
  log: Logger;
  metrics: HubMetrics;
  /** The authenticator's groups of a user (PAM: Linux groups), for allowed_groups/admin_groups. */
  groupsOf?: (name: string) => Promise<string[]>;
  /** Authenticator.auth_refresh_age in seconds (0: no refresh on requests); default 300. */
  authRefreshAge?: number;
  now?: () => number;
}

/**
 * What a login with the right credentials leads to: a user to start a session for, or (the
 * password is one-time or expired) a ticket to choose a new password with. The ticket is the
 * only proof of the old password: hold it like a session secret (an httpOnly cookie).
 */
export type LoginOutcome =
  | { kind: 'user'; user: User }
  | { kind: 'password-change'; name: string; ticket: string; expiresAt: Date };

/** How long the person has to choose the new password after logging in with the old one. */
export const PASSWORD_CHANGE_TTL_SECONDS = 600;

/** The ticket is missing, used or expired: the person signs in again with the old password. */
export const PASSWORD_CHANGE_EXPIRED_MESSAGE =
  'It took too long to choose a new password, or it was already chosen. Sign in again with your current password.';
export const PASSWORD_NOT_NEW_MESSAGE =
  'The new password must be different from the current one-time or expired password.';

const ticketHash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/**
 * Login = normalize (the authenticator's normalizeUsername, then username_map) → name rules →
 * rate limit → authenticator (credentials) → policy (allow/block/admin) → user row.
 * Every refusal looks the same to the person; the log says exactly why. An authenticator that
 * cannot check (a HubError of 500 or more: LABHUB_ERR_PAM, …) passes through and is not counted
 * as a failure; one that throws anything else is a bug: LABHUB_ERR_INTERNAL, cause logged. A password that must be
 * changed first (one-time, expired) gives a password-change ticket instead of a user; the login
 * completes in {@link LoginService.completePasswordChange}.
 */
export class LoginService {
  private readonly refresher: AuthRefresher;

  constructor(private readonly d: LoginServiceDeps) {
    this.refresher = new AuthRefresher({
      authenticator: d.authenticator,
      store: d.store,
      log: d.log,
      age: d.authRefreshAge ?? 300,
      apply: (user, result) => this.applyRefreshed(user, result),
      now: d.now,
    });
  }

  /**
   * auth_refresh_age: an authenticated request of `user` (cookie or token). Returns the user,
   * with refreshed auth state when it was due, or null when the person must log in again.
   */
  refreshOnRequest(user: User): Promise<User | null> {
    return this.refresher.onRequest(user);
  }

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

  /** Shortest new password accepted by {@link completePasswordChange}. */
  get minimumPasswordLength(): number {
    return this.d.authenticator.minimumPasswordLength ?? 8;
  }

  /** Check credentials and policy. Throws 403 LABHUB_ERR_LOGIN_FAILED or 429. */
  async login(input: LoginInput): Promise<LoginOutcome> {
    const t0 = Date.now();
    const name = this.d.policy.normalize(input.username ?? '');
    const shortName = `"${logName(name)}"`;
    /** Record a failed attempt (log says why) and return the one generic error the person sees. */
    const fail = async (why: string): Promise<HubError> => {
      await this.d.limiter.recordFailure({ username: name, remoteAddr: input.remoteAddr });
      this.d.metrics.loginDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
      this.d.log.warn({ remoteAddr: input.remoteAddr }, `Failed login for ${shortName}: ${why}`);
      return new HubError('LABHUB_ERR_LOGIN_FAILED', 403, LOGIN_FAILED_MESSAGE);
    };
    const valid = this.d.policy.validate(name);
    if (!valid.ok) throw await fail(valid.reason);
    const verdict = await this.d.limiter.check({ username: name, remoteAddr: input.remoteAddr });
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
      if (isHubError(e)) throw e;
      // Not a HubError: a bug in the authenticator. Never a stack or its text for the person.
      const err = new HubError(
        'LABHUB_ERR_INTERNAL',
        500,
        'Login failed because of an internal error.',
        {
          logMessage: `The authenticator threw for ${shortName}: ${(e as Error)?.message ?? String(e)}`,
          cause: e,
        },
      );
      this.d.log.error({ err: e, remoteAddr: input.remoteAddr }, err.logMessage);
      throw err;
    }
    if (!result) throw await fail('wrong username or password');
    const existing = await this.d.store.users.byName(result.name);
    const decision = await this.d.policy.check(result, {
      existsInDb: !!existing,
      groupsOf: this.d.groupsOf,
    });
    if (!decision.allowed) throw await fail(decision.reason);
    if (result.passwordChangeRequired) {
      if (!this.d.authenticator.setRequiredPassword)
        throw await fail(
          'the password must be changed, and this authenticator cannot set a new one',
        );
      await this.d.limiter.recordSuccess({ username: name, remoteAddr: input.remoteAddr });
      return this.issueTicket(decision.name, input.password ?? '', input.remoteAddr);
    }
    const user = await this.admit(result, decision, existing, input.remoteAddr);
    await this.d.limiter.recordSuccess({ username: name, remoteAddr: input.remoteAddr });
    this.d.metrics.loginDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000);
    return { kind: 'user', user };
  }

  /**
   * A login completed at an external provider (the authenticator's `redirectLogin`): the person
   * proved who they are there, so a refusal says why (not in an allowed group, blocked, an
   * invalid name) instead of the generic message. Throws 403 LABHUB_ERR_OAUTH_LOGIN.
   */
  async loginExternal(
    result: AuthResult,
    opts: { remoteAddr?: string; service: string },
  ): Promise<User> {
    const t0 = Date.now();
    const name = this.d.policy.normalize(result.name ?? '');
    const r = { ...result, name };
    const existing = await this.d.store.users.byName(name);
    const decision = await this.d.policy.check(r, { existsInDb: !!existing });
    if (!decision.allowed) {
      this.d.metrics.loginDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
      this.d.log.warn(
        { remoteAddr: opts.remoteAddr },
        `Failed login via ${opts.service}: ${decision.reason}`,
      );
      throw new HubError('LABHUB_ERR_OAUTH_LOGIN', 403, this.refusalFor(name, opts.service));
    }
    const user = await this.admit(r, decision, existing, opts.remoteAddr);
    this.d.metrics.loginDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000);
    return user;
  }

  /**
   * refresh_pre_spawn: before a server starts, let the authenticator refresh the user's tokens.
   * New auth_state is stored; an expired login refuses the start with 403 LABHUB_ERR_OAUTH_LOGIN
   * (log in again). Does nothing for authenticators that did not ask for it.
   */
  async refreshBeforeSpawn(user: User): Promise<void> {
    const auth = this.d.authenticator;
    if (!auth.refreshPreSpawn || !auth.refreshUser) return;
    const r = await this.refresher.force(user);
    if (r.kind === 'fresh') return;
    const service = auth.redirectLogin?.label ?? 'the login provider';
    throw new HubError(
      'LABHUB_ERR_OAUTH_LOGIN',
      403,
      `Your login at ${service} has expired. Log out and sign in again to start your server.`,
    );
  }

  /**
   * A refreshed login (auth_refresh_age, refresh_pre_spawn), stored as a login's would be: the
   * policy again (a user who may no longer log in must log in again: the reason is returned),
   * admin, auth_state, groups.
   */
  private async applyRefreshed(user: User, result: AuthResult): Promise<User | string> {
    const decision = await this.d.policy.check(
      { ...result, name: user.name },
      { existsInDb: true },
    );
    if (!decision.allowed) return decision.reason;
    return this.update(user, result, decision);
  }

  /** The server environment the authenticator derives from the user's auth_state (auth_state_env). */
  async spawnEnvFor(user: User): Promise<Record<string, string>> {
    const auth = this.d.authenticator;
    if (!auth.spawnEnv) return {};
    const fresh = (await this.d.store.users.byName(user.name)) ?? user;
    return auth.spawnEnv((fresh.authState ?? null) as JsonObject | null);
  }

  /** Why an identity the provider vouched for may not log in, for the person. */
  private refusalFor(name: string, service: string): string {
    const s = this.d.policy.settings;
    const who = `You signed in at ${service} as "${logName(name)}"`;
    if (!this.d.policy.validate(name).ok)
      return `${who}, but that is not a user name this hub accepts. Tell the hub's administrator.`;
    if (s.blockedUsers.has(name)) return `${who}, but this account is blocked on this hub.`;
    if (s.allowedGroups.size)
      return `${who}, but your account is not in a group allowed on this hub. Ask the hub's administrator for access, or sign out at ${service} and use another account.`;
    return `${who}, but your account is not allowed on this hub. Ask the hub's administrator for access, or sign out at ${service} and use another account.`;
  }

  /** The user row for an allowed login: created, admin from policy, groups and auth_state kept. */
  private async admit(
    result: AuthResult,
    decision: Extract<PolicyDecision, { allowed: true }>,
    existing: User | null,
    remoteAddr?: string,
  ): Promise<User> {
    const auth = this.d.authenticator;
    let user =
      existing ?? (await this.d.store.users.create(decision.name, { admin: decision.admin }));
    if (auth.addUser && !existing) await auth.addUser(user.name);
    user = await this.update(user, result, decision);
    await this.refresher.loggedIn(user);
    this.d.log.info({ remoteAddr, via: decision.via }, `User logged in: ${user.name}`);
    return user;
  }

  /** What a login (or a refresh) sets on the user: admin from the policy, auth_state, groups. */
  private async update(
    user: User,
    result: AuthResult,
    decision: Extract<PolicyDecision, { allowed: true }>,
  ): Promise<User> {
    const auth = this.d.authenticator;
    if (decision.admin && !user.admin) {
      await this.d.store.users.setAdmin(user.id, true);
      user = { ...user, admin: true };
    } else if (
      !decision.admin &&
      user.admin &&
      (result.admin === false || this.d.policy.settings.adminGroups.size > 0)
    ) {
      // The identity source decides admin (OAuthenticator's admin_groups): no longer in one, no
      // longer admin (admin_users stay admins: the policy counted them).
      await this.d.store.users.setAdmin(user.id, false);
      user = { ...user, admin: false };
    }
    if (result.authState && auth.enableAuthState === true) {
      await this.d.store.users.setAuthState(user.id, result.authState as Record<string, unknown>);
      user = { ...user, authState: result.authState as Record<string, unknown> };
    }
    if ((result.manageGroups ?? auth.manageGroups) && result.groups)
      await this.syncGroups(user, result.groups);
    return user;
  }

  /** manage_groups: the user's hub groups become exactly the identity source's. */
  private async syncGroups(user: User, groups: string[]): Promise<void> {
    const repo = this.d.store.groups;
    const want = new Set(groups);
    const have = new Set(await repo.groupNamesOfUser(user.id));
    for (const g of want)
      if (!have.has(g)) await repo.addMember((await repo.ensure(g)).id, user.id);
    for (const g of have)
      if (!want.has(g)) {
        const row = await repo.byName(g);
        if (row) await repo.removeMember(row.id, user.id);
      }
  }

  private async issueTicket(
    name: string,
    oldPassword: string,
    remoteAddr?: string,
  ): Promise<LoginOutcome> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + PASSWORD_CHANGE_TTL_SECONDS * 1000);
    await this.d.store.passwordChanges.create(ticketHash(ticket), {
      userName: name,
      oldPasswordHash: await hashPassword(oldPassword),
      expiresAt,
    });
    this.d.log.info(
      { remoteAddr },
      `The password of ${name} is one-time or expired: asking for a new one before the login completes`,
    );
    return { kind: 'password-change', name, ticket, expiresAt };
  }

  /** The user a valid password-change ticket belongs to (null: missing, used or expired). */
  async ticketUser(ticket: string): Promise<string | null> {
    if (!ticket) return null;
    return (await this.d.store.passwordChanges.get(ticketHash(ticket)))?.userName ?? null;
  }

  /**
   * Set the new password for a login that had to change it, then complete that login (policy and
   * user row as in {@link login}). The ticket is single-use. Throws LABHUB_ERR_LOGIN_FAILED (403,
   * {@link PASSWORD_CHANGE_EXPIRED_MESSAGE}) for a missing, used or expired ticket, and
   * LABHUB_ERR_BAD_REQUEST (400, the ticket stays valid) for a new password that is too short,
   * too long, the same as the old one, or refused by the authenticator.
   */
  async completePasswordChange(input: {
    ticket: string;
    newPassword: string;
    remoteAddr?: string;
  }): Promise<User> {
    const id = ticketHash(input.ticket ?? '');
    const t = input.ticket ? await this.d.store.passwordChanges.get(id) : null;
    if (!t) throw new HubError('LABHUB_ERR_LOGIN_FAILED', 403, PASSWORD_CHANGE_EXPIRED_MESSAGE);
    const pw = input.newPassword;
    const min = this.minimumPasswordLength;
    if (pw.length < min)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `The password must be at least ${min} characters long.`,
      );
    if (pw.length > 1024)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'The password must be at most 1024 characters long.',
      );
    if (await verifyPassword(pw, t.oldPasswordHash))
      throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, PASSWORD_NOT_NEW_MESSAGE);
    const setter = this.d.authenticator.setRequiredPassword;
    if (!setter)
      throw new HubError('LABHUB_ERR_LOGIN_FAILED', 403, PASSWORD_CHANGE_EXPIRED_MESSAGE);
    // Checks passed: use the ticket up (exactly one request wins), then set the password.
    if (!(await this.d.store.passwordChanges.take(id)))
      throw new HubError('LABHUB_ERR_LOGIN_FAILED', 403, PASSWORD_CHANGE_EXPIRED_MESSAGE);
    await setter.call(this.d.authenticator, t.userName, pw);
    this.d.log.info(
      { remoteAddr: input.remoteAddr },
      `${t.userName} chose a new password (the old one was one-time or expired)`,
    );
    const outcome = await this.login({
      username: t.userName,
      password: pw,
      remoteAddr: input.remoteAddr,
    });
    if (outcome.kind !== 'user')
      throw new HubError('LABHUB_ERR_INTERNAL', 500, 'The new password was not accepted.', {
        logMessage: `${t.userName}: the new password was set, but the authenticator still asks for a change`,
      });
    return outcome.user;
  }
}
