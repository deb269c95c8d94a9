import type { JsonObject } from '../core/json.js';
import type { Logger } from '../log.js';

/** What the login form (or an API `auth` body) gives an authenticator. */
export interface LoginInput {
  username: string;
  password: string;
  /** Client address, for rate limiting and logs. */
  remoteAddr?: string;
}

/** A successful authentication. Policy (allow/block/admin) is applied afterwards by auth/policy.ts. */
export interface AuthResult {
  /** The normalized username. */
  name: string;
  /** true/false to set admin from the identity source; null/undefined = leave to policy/config. */
  admin?: boolean | null;
  /** Group names known to the identity source (for Linux: primary + supplementary groups). */
  groups?: string[];
  authState?: JsonObject | null;
  /**
   * The credentials are right, but the password must be changed before the login completes
   * (PAM: PAM_NEW_AUTHTOK_REQD, e.g. `chage -d 0`; native: a one-time password). The hub then
   * asks for a new password and calls `setRequiredPassword`; it never starts a session with
   * such a result. An authenticator that cannot set passwords returns null instead.
   */
  passwordChangeRequired?: boolean;
}

/** An HTTP route an authenticator adds (e.g. an OAuth callback). */
export interface RouteDefinition {
  method: 'GET' | 'POST';
  /** Path below the hub prefix, e.g. `oauth_callback`. */
  path: string;
  handler: (req: unknown, reply: unknown) => Promise<unknown>;
}

/**
 * Verifies credentials only. Allow/block/admin policy lives in auth/policy.ts.
 *
 * - `authenticate` is called on every POST /hub/login and for API token requests with an `auth` body.
 *   It returns null for bad credentials (never throws for them); it throws HubError
 *   LABHUB_ERR_PAM / LABHUB_ERR_INTERNAL when it cannot check at all, and may throw a 4xx
 *   HubError to refuse with a message of its own that reveals nothing to someone without the
 *   password (native: an account awaiting approval, 403; a locked account, 429).
 * - `refreshUser` is called before using stored auth state; optional.
 * - `loginUrl`: set for external (OAuth) logins; the login page then shows a button.
 */
export interface Authenticator {
  authenticate(input: LoginInput): Promise<AuthResult | null>;
  refreshUser?(user: { name: string }): Promise<AuthResult | 'unchanged' | 'expired'>;
  loginUrl?(base: string): string;
  routes?(): RouteDefinition[];
  /** Normalize a username the way this authenticator does (default: lower-case, trimmed). */
  normalizeUsername?(name: string): string;
  /** Called when a user is added to the hub (e.g. create the Linux account). */
  addUser?(name: string): Promise<void>;
  /**
   * Called before a hub user is renamed (`PATCH /users/{name}`); throws a 4xx HubError to refuse.
   * native: the account moves with the user, so the new name signs in with the same password.
   */
  renameUser?(oldName: string, newName: string): Promise<void>;
  /**
   * Called after a hub user was deleted. native: the account is removed too (as NativeAuthenticator
   * does), so a name given to someone else later does not open with the old password.
   */
  deleteUser?(name: string): Promise<void>;
  /**
   * Set the new password after a login that returned `passwordChangeRequired` (the hub checked
   * the old password moments before and holds a single-use ticket for it). Throws
   * LABHUB_ERR_BAD_REQUEST (400, the message says why) for a password that cannot be used,
   * LABHUB_ERR_SYSTEM_USER when the system refuses to set it.
   */
  setRequiredPassword?(name: string, newPassword: string): Promise<void>;
  /** Shortest password `setRequiredPassword` accepts (the hub checks it first; default 8). */
  readonly minimumPasswordLength?: number;
  /** A short description for /hub/api/info. */
  readonly description?: string;
}

/** Everything a plugin needs to build an authenticator. Constructors do no I/O. */
export interface AuthenticatorContext {
  /** Resolved options for the authenticator class (traits of its class chain merged). */
  options: Record<string, unknown>;
  log: Logger;
}

/** A registered authenticator plugin. */
export interface AuthenticatorDefinition {
  /** kebab-case id, e.g. `pam`, `dummy`, `native`. */
  id: string;
  /** Names accepted in `JupyterHub.authenticator_class` (e.g. `dummy`, `dummyauthenticator`, the Python dotted path). */
  aliases: string[];
  /** JupyterHub config classes whose traits apply, most general first (e.g. Authenticator, LocalAuthenticator, PAMAuthenticator). */
  configClasses: string[];
  create(ctx: AuthenticatorContext): Authenticator;
}
