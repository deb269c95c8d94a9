/**
 * One error type for the whole hub. Every error a person can see has a stable code
 * (LABHUB_ERR_*), an HTTP status, a message for the person, and optionally a more
 * detailed message for the log. `docs/errors.md` mirrors {@link ERROR_CATALOG}; a test
 * keeps them in sync.
 */

/** The catalog: code → what it means and what to do. */
export const ERROR_CATALOG = {
  LABHUB_ERR_CONFIG:
    'The configuration is invalid. The message names the key, what was expected and what was found.',
  LABHUB_ERR_CONFIG_UNKNOWN_KEY:
    'A configuration key is not known. The message suggests the closest known key.',
  LABHUB_ERR_CONFIG_SYNTAX:
    'A configuration file could not be parsed. The message gives file:line.',
  LABHUB_ERR_COOKIE_SECRET:
    'The cookie secret file is unreadable, malformed, or readable by group/others and cannot be made private (chmod 600 it).',
  LABHUB_ERR_DB: 'The database could not be opened or migrated.',
  LABHUB_ERR_BAD_REQUEST: 'The request was malformed; the message says which part.',
  LABHUB_ERR_NOT_AUTHENTICATED: 'No valid credentials were sent (log in, or send a token).',
  LABHUB_ERR_FORBIDDEN: 'The credentials are valid but lack the scope the action needs.',
  LABHUB_ERR_XSRF: 'A cookie-authenticated request without a valid XSRF token was refused.',
  LABHUB_ERR_NOT_FOUND: 'The resource does not exist, or the caller may not see it.',
  LABHUB_ERR_CONFLICT: 'The resource already exists or is in a conflicting state.',
  LABHUB_ERR_SERVER_NOT_RUNNING: 'The user server is not running (424); start it from the hub.',
  LABHUB_ERR_SPAWN_FAILED: 'Starting a user server failed; the message contains the reason.',
  LABHUB_ERR_SPAWN_TIMEOUT: 'A user server did not start or answer within its timeout.',
  LABHUB_ERR_TOO_MANY_REQUESTS:
    'A limit was reached (spawns, active servers, login attempts); retry later.',
  LABHUB_ERR_METHOD_NOT_ALLOWED:
    'The resource exists but does not support this method (e.g. deleting a service defined in the config file).',
  LABHUB_ERR_OAUTH:
    'An OAuth request was invalid (unknown client, bad redirect_uri, bad code or PKCE verifier).',
  LABHUB_ERR_PROXY: 'The proxy could not be started, reached, or updated.',
  LABHUB_ERR_UNSAFE_ROUTE:
    "The hub refused to send the proxy a route outside its owner's own prefix (e.g. a dot segment that would resolve to the hub's route `/`); the log names the route and the owner.",
  LABHUB_ERR_LOGIN_FAILED:
    'The username or password was wrong, the user is not allowed, or choosing a new password took too long (sign in again).',
  LABHUB_ERR_PORT_IN_USE: 'A port the hub needs is already in use by another process.',
  LABHUB_ERR_STOP:
    '`labhub stop` could not stop everything; the message names the process or port left and what to do.',
  LABHUB_ERR_USER_ENV:
    'The Python user environment (jupyterhub-singleuser) could not be found or created.',
  LABHUB_ERR_PAM:
    'PAM authentication could not run (missing service, not root, or no PAM backend). When the config or running as root calls for PAM and it cannot run, the hub refuses to start and says what to install.',
  LABHUB_ERR_SYSTEM_USER:
    "A Linux account is missing, has an invalid name, or could not be created or given a password (see LocalAuthenticator.add_user_cmd, and the admin page's one-time-password option).",
  LABHUB_ERR_INTERNAL: 'An unexpected error; the page shows an error id that is also in the log.',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface HubErrorOptions {
  /** Extra detail for the log only (never shown to the person). */
  logMessage?: string;
  /** Extra HTTP headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The only error type the hub throws on purpose. */
export class HubError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly userMessage: string;
  readonly logMessage?: string;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, status: number, userMessage: string, opts: HubErrorOptions = {}) {
    super(userMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HubError';
    this.code = code;
    this.status = status;
    this.userMessage = userMessage;
    this.logMessage = opts.logMessage;
    this.headers = opts.headers ?? {};
  }
}

export function isHubError(e: unknown): e is HubError {
  return e instanceof HubError;
}
