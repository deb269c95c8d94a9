/**
 * One login attempt, in the right order: rate limit → authenticator (credentials) → policy
 * (allow/block/admin) → record the outcome. The login page handler and the API token endpoint
 * (`auth` body) both call {@link performLogin}; they only map the outcome to HTTP.
 */
import type { Logger } from '../log.js';
import type { JsonObject } from '../core/json.js';
import type { Authenticator, LoginInput } from './types.js';
import { HubError, isHubError } from '../errors.js';
import { logName } from './options.js';
import { LOGIN_FAILED_MESSAGE, normalizeBasic, type Policy } from './policy.js';
import { loginRateLimitedError, type LoginRateLimiter } from './rate-limit.js';

export interface LoginDeps {
  authenticator: Authenticator;
  policy: Policy;
  rateLimiter?: LoginRateLimiter;
  log: Logger;
  /** Does this (normalized) user already exist in the hub database? */
  userExists(name: string): Promise<boolean>;
  /** Groups of a user for allowed_groups/admin_groups (pam.ts `groupsOfUser` for Linux users). */
  groupsOf?(name: string): Promise<string[]>;
}

/** A successful login: create/update the hub user with this name and admin flag, then set the cookie. */
export interface LoginSuccess {
  name: string;
  admin: boolean;
  /** The rule that allowed the user (for the log). */
  via: string;
  groups?: string[];
  authState?: JsonObject | null;
}

/**
 * Run one login. Resolves on success. Rejects with HubError:
 * - LABHUB_ERR_TOO_MANY_REQUESTS (429, Retry-After header) when rate-limited (credentials not checked);
 * - LABHUB_ERR_LOGIN_FAILED (403) for wrong credentials OR a user the policy refuses — the same
 *   message for both; the exact reason is only in the log;
 * - LABHUB_ERR_PAM / LABHUB_ERR_INTERNAL when credentials cannot be checked at all (not counted
 *   as a failure).
 */
export async function performLogin(deps: LoginDeps, input: LoginInput): Promise<LoginSuccess> {
  const typed = normalizeBasic(input.username ?? '');
  const attempt = { username: typed, remoteAddr: input.remoteAddr };
  const verdict = deps.rateLimiter?.check(attempt);
  if (verdict?.limited) {
    const err = loginRateLimitedError(verdict, attempt);
    deps.log.warn(err.logMessage ?? err.userMessage);
    throw err;
  }
  const fail = (logMessage: string): HubError => {
    deps.rateLimiter?.recordFailure(attempt);
    deps.log.info({ remoteAddr: input.remoteAddr }, logMessage);
    return new HubError('LABHUB_ERR_LOGIN_FAILED', 403, LOGIN_FAILED_MESSAGE, { logMessage });
  };

  let result;
  try {
    result = await deps.authenticator.authenticate(input);
  } catch (e) {
    if (isHubError(e)) throw e;
    throw new HubError('LABHUB_ERR_INTERNAL', 500, 'Login failed because of an internal error.', {
      logMessage: `authenticator threw for "${logName(typed)}": ${(e as Error).message}`,
      cause: e,
    });
  }
  if (!result)
    throw fail(
      `login failed for "${logName(typed)}": wrong credentials (or refused by the authenticator)`,
    );
  // This flow has no password-change step (core/login.ts has): such a login is refused.
  if (result.passwordChangeRequired)
    throw fail(`login refused for "${logName(typed)}": the password must be changed first`);

  const name = deps.policy.normalize(result.name);
  const decision = await deps.policy.check(result, {
    existsInDb: deps.policy.validate(name).ok ? await deps.userExists(name) : false,
    groupsOf: deps.groupsOf,
  });
  if (!decision.allowed) throw fail(decision.reason);

  deps.rateLimiter?.recordSuccess(attempt);
  deps.log.info(
    `user "${logName(decision.name)}" logged in (${decision.via}${decision.admin ? ', admin' : ''})`,
  );
  return {
    name: decision.name,
    admin: decision.admin,
    via: decision.via,
    ...(decision.groups ? { groups: decision.groups } : {}),
    ...(result.authState !== undefined ? { authState: result.authState } : {}),
  };
}
