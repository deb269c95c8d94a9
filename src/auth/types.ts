import type { JsonObject } from '../util/json.js';
import type { z } from 'zod';
import type { Logger } from '../log.js';
import type { NativeAccount, NativeAccountStore } from '../db/native-account-types.js';
export type { NativeAccount, NativeAccountStore };

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
   * A rule of the identity source let this user in (e.g. GitHub `allowed_organizations`), for
   * the log: the policy allows the user like allowed_users would (blocked_users still wins).
   */
  allowedVia?: string;
  /** This result's groups replace the user's hub groups (its source's manage_groups); default: the authenticator's. */
  manageGroups?: boolean;
  /**
   * The credentials are right, but the password must be changed before the login completes
   * (PAM: PAM_NEW_AUTHTOK_REQD, e.g. `chage -d 0`; native: a one-time password). The hub then
   * asks for a new password and calls `setRequiredPassword`; it never starts a session with
   * such a result. An authenticator that cannot set passwords returns null instead.
   */
  passwordChangeRequired?: boolean;
}

/** One finding of an authenticator's start-up check (logged by the hub, shown by doctor). */
export interface AuthenticatorNotice {
  level: 'warn' | 'info';
  message: string;
}

/**
 * Accounts the hub keeps itself, with pages to manage them: sign-up (`/hub/signup`), change
 * password, and the admins' list of sign-ups to approve (`/hub/signups`). native has it; the
 * hub registers those pages only for an authenticator that has this capability.
 */
export interface SelfServiceAccounts {
  /** The sign-up page exists (NativeAuthenticator.enable_signup). */
  readonly signupEnabled: boolean;
  /** Sign-ups need no approval (open_signup). */
  readonly openSignup: boolean;
  /** The sign-up page asks for an e-mail address. */
  readonly askEmail: boolean;
  /** Shortest password accepted at sign-up and password change (at least 1). */
  readonly minimumPasswordLength: number;
  /**
   * Create an account from the sign-up form. Throws HubError LABHUB_ERR_NOT_FOUND (sign-up
   * off), LABHUB_ERR_BAD_REQUEST (invalid name, e-mail or password), LABHUB_ERR_CONFLICT (taken).
   */
  signup(input: SignupInput): Promise<{ name: string; approved: boolean }>;
  /** Approve a pending account. Throws LABHUB_ERR_NOT_FOUND. */
  approve(name: string): Promise<void>;
  /**
   * Delete a sign-up that awaits approval. Throws LABHUB_ERR_NOT_FOUND, or LABHUB_ERR_CONFLICT
   * for an approved account (delete the user instead).
   */
  discard(name: string): Promise<void>;
  /**
   * Change a password, checking the old one. Returns false if the old password is wrong. Throws
   * LABHUB_ERR_BAD_REQUEST for a new one that breaks a rule.
   */
  changePassword(name: string, oldPassword: string, newPassword: string): Promise<boolean>;
  /** Admin reset: set a password (clears lockout). Throws LABHUB_ERR_NOT_FOUND / BAD_REQUEST. */
  setPassword(name: string, newPassword: string): Promise<void>;
  /** There is an account called `name` (approved or not). */
  hasAccount(name: string): Promise<boolean>;
  /** Accounts awaiting approval. */
  listPending(): Promise<NativeAccount[]>;
  countPending(): Promise<number>;
}

/** What the sign-up form sends. */
export interface SignupInput {
  username: string;
  password: string;
  /** Required when the authenticator asks for an e-mail address; ignored otherwise. */
  email?: string;
}

/**
 * Verifies credentials only. Allow/block/admin policy lives in auth/policy.ts. Everything but
 * `authenticate` is an optional capability; the hub looks for the capability, never at the id.
 *
 * - `authenticate` is called on every POST /hub/login and for API token requests with an `auth`
 *   body, with the name already normalized by `normalizeUsername` (and `username_map`). It returns
 *   null for bad credentials (never throws for them); it throws HubError LABHUB_ERR_PAM /
 *   LABHUB_ERR_INTERNAL when it cannot check at all, and may throw a 4xx HubError to refuse with a
 *   message of its own that reveals nothing to someone without the password (native: an account
 *   awaiting approval, 403; a locked account, 429). Anything else it throws becomes
 *   LABHUB_ERR_INTERNAL (core/login.ts).
 * - `normalizeUsername` is the hub's first step for every name typed at login, sign-up or on the
 *   admin page (JupyterHub's normalize_username); `username_map` is applied after it.
 * - `redirectLogin`: a login at an external provider (OAuth 2 / OpenID Connect); the login page
 *   shows a button and the hub serves /hub/oauth_login and /hub/oauth_callback for it.
 */
export interface Authenticator {
  authenticate(input: LoginInput): Promise<AuthResult | null>;
  /** false: `authenticate` never succeeds (an OAuth login), so the login page shows no password form. */
  readonly passwordLogin?: boolean;
  /** A login that happens at an external provider through browser redirects (OAuth 2 / OIDC). */
  readonly redirectLogin?: RedirectLogin;
  /**
   * Several providers (MultiAuthenticator): each at /hub/<key>/oauth_login and
   * /hub/<key>/oauth_callback, one button each on the login page.
   */
  readonly redirectLogins?: readonly (RedirectLogin & { key: string })[];
  /**
   * Refresh a login (JupyterHub's refresh_user), with the user's decrypted auth_state: on
   * requests once auth_refresh_age has passed, and before a server starts (`refresh_pre_spawn`).
   * `age` is auth_refresh_age: a token that expires within it is renewed now. Returns
   * `unchanged` (nothing to refresh), a new result (tokens renewed and/or user data read again;
   * the hub stores it like a login's) or `expired` (the person must log in again). Never throws
   * for an expired login; throws HubError when the provider cannot be reached.
   */
  refreshUser?(
    name: string,
    authState: JsonObject | null,
    opts?: { age: number },
  ): Promise<AuthResult | 'unchanged' | 'expired'>;
  /**
   * Environment variables for the user's server from its (decrypted) auth_state, called when a
   * server starts (OAuthenticator: `auth_state_env`). Values that are not there are left out.
   */
  spawnEnv?(authState: JsonObject | null): Record<string, string>;
  /** Ask for {@link refreshUser} before every spawn (OAuthenticator's refresh_pre_spawn). */
  readonly refreshPreSpawn?: boolean;
  /** Keep `authState` of results (encrypted at rest) only when true (enable_auth_state). */
  readonly enableAuthState?: boolean;
  /** The result's `groups` replace the user's hub groups at each login (manage_groups). */
  readonly manageGroups?: boolean;
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
   * Called after a hub user was deleted. native: the account is removed too, so a name given to
   * someone else later does not open with the old password.
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
  /**
   * The groups of a user, for `allowed_groups`/`admin_groups` when `authenticate` gave none
   * (PAM: the Linux groups, primary and supplementary). Throws when they cannot be read (the
   * policy then fails closed).
   */
  groupsOf?(name: string): Promise<string[]>;
  /**
   * `labhub --admin NAME`, before the hub starts: give that admin a way to sign in (native: an
   * account with a one-time password; PAM as root: a missing Linux account with one). The name is
   * normalized and valid, and already an admin in the database. Returns what to print for the
   * operator.
   */
  adminBootstrap?(name: string): Promise<string>;
  /**
   * Checks of the configuration against the identity source, run in the background at start
   * (PAM: admins and groups named in the config that do not exist on this machine; native:
   * admin names anyone could claim by signing up). Never throws.
   */
  startupNotices?(): Promise<AuthenticatorNotice[]>;
  /** Accounts kept by the hub, with the sign-up, change-password and sign-ups pages. */
  readonly selfService?: SelfServiceAccounts;
  /**
   * `allow_all` defaults to true when `allowed_users` is empty (JupyterHub 5's DummyAuthenticator).
   */
  readonly allowAllByDefault?: boolean;
}

/**
 * A login through browser redirects. The hub keeps `pending` (state, PKCE verifier, nonce) in a
 * signed, httpOnly cookie between {@link begin} and {@link complete}.
 */
export interface RedirectLogin {
  /** The name on the login button ("Sign in with <label>"). */
  readonly label: string;
  /**
   * GET /hub/oauth_login: where to send the browser. `callbackUrl` is the configured
   * oauth_callback_url or the one derived from the request. Throws HubError LABHUB_ERR_OAUTH_LOGIN when
   * the provider cannot be reached (discovery).
   */
  begin(callbackUrl: string): Promise<{ url: string; pending: JsonObject }>;
  /**
   * GET /hub/oauth_callback: exchange the code (checking state and PKCE), read the user data and
   * return the result. Throws HubError LABHUB_ERR_OAUTH_LOGIN (4xx: the provider refused or the answer
   * does not check out; the message says what the person can do; 502: unreachable).
   */
  complete(input: {
    callbackUrl: string;
    currentUrl: URL;
    pending: JsonObject;
  }): Promise<AuthResult>;
  /**
   * Where the browser goes after the hub session ended (logout_redirect_url, or the OIDC
   * provider's end-session endpoint with the ID token as hint), or null to show the login page.
   */
  logoutUrl?(authState: JsonObject | null, postLogoutUrl: string): Promise<string | null>;
}

/** What the hub gives every authenticator besides its options. Constructors do no I/O. */
export interface AuthenticatorDeps {
  log: Logger;
  /** The hub's account table (used by authenticators that keep their own accounts). */
  accounts: NativeAccountStore;
  /** A clock in milliseconds (tests); default Date.now. */
  now?: () => number;
}

/**
 * A registered authenticator plugin; build one with `defineAuthenticator` (auth/define.ts) so
 * the options are parsed by the plugin's own schema before `create` sees them.
 */
export interface AuthenticatorDefinition<O = unknown> {
  /** kebab-case id, e.g. `pam`, `dummy`, `native`. */
  id: string;
  /** Names accepted in `JupyterHub.authenticator_class` (e.g. `dummy`, the Python dotted path). */
  aliases: string[];
  /** JupyterHub config classes whose traits apply, most general first. */
  configClasses: string[];
  /** The plugin's options (traits of its config classes): a zod schema; none = passed as given. */
  options?: z.ZodType<O>;
  create(options: O, deps: AuthenticatorDeps): Authenticator;
}
