/**
 * One error type for the whole hub. Every error a person can see has a stable code
 * (LABHUB_ERR_*), an HTTP status, a message for the person, and optionally a more
 * detailed message for the log. `docs/errors.md` is generated from {@link ERROR_CATALOG}
 * (`node --import tsx src/errors-gen-docs.ts`); a test fails when it is stale.
 */

/** One catalog entry: the usual HTTP status of the code and what it means / what to do. */
export interface CatalogEntry {
  /** The status an error of this code gets unless the raising site has a reason to differ. */
  readonly status: number;
  readonly meaning: string;
}

/** The catalog: code → default status, meaning, what to do. docs/errors.md is generated from it. */
export const ERROR_CATALOG = {
  LABHUB_ERR_CONFIG: {
    status: 500,
    meaning:
      'The configuration is invalid. The message names the key, what was expected and what was found.',
  },
  LABHUB_ERR_CONFIG_UNKNOWN_KEY: {
    status: 500,
    meaning: 'A configuration key is not known. The message suggests the closest known key.',
  },
  LABHUB_ERR_CONFIG_SYNTAX: {
    status: 500,
    meaning: 'A configuration file could not be parsed. The message gives file:line.',
  },
  LABHUB_ERR_COOKIE_SECRET: {
    status: 500,
    meaning:
      'The cookie secret file is unreadable, malformed, or readable by group/others and cannot be made private (chmod 600 it).',
  },
  LABHUB_ERR_DB: {
    status: 500,
    meaning: 'The database could not be opened or migrated.',
  },
  LABHUB_ERR_REPLICA_SQLITE: {
    status: 500,
    meaning:
      'A second hub process was started on the same SQLite database. Several hub replicas need PostgreSQL (docs/high-availability.md); otherwise stop the other hub first.',
  },
  LABHUB_ERR_BAD_REQUEST: {
    status: 400,
    meaning: 'The request was malformed; the message says which part.',
  },
  LABHUB_ERR_NOT_AUTHENTICATED: {
    status: 403,
    meaning: 'No valid credentials were sent (log in, or send a token).',
  },
  LABHUB_ERR_FORBIDDEN: {
    status: 403,
    meaning: 'The credentials are valid but lack the scope the action needs.',
  },
  LABHUB_ERR_XSRF: {
    status: 403,
    meaning: 'A cookie-authenticated request without a valid XSRF token was refused.',
  },
  LABHUB_ERR_NOT_FOUND: {
    status: 404,
    meaning: 'The resource does not exist, or the caller may not see it.',
  },
  LABHUB_ERR_CONFLICT: {
    status: 409,
    meaning: 'The resource already exists or is in a conflicting state.',
  },
  LABHUB_ERR_SERVER_NOT_RUNNING: {
    status: 424,
    meaning: 'The user server is not running (424); start it from the hub.',
  },
  LABHUB_ERR_SPAWN_FAILED: {
    status: 500,
    meaning: 'Starting a user server failed; the message contains the reason.',
  },
  LABHUB_ERR_SPAWN_TIMEOUT: {
    status: 500,
    meaning: 'A user server did not start or answer within its timeout.',
  },
  LABHUB_ERR_TOO_MANY_REQUESTS: {
    status: 429,
    meaning: 'A limit was reached (spawns, active servers, login attempts); retry later.',
  },
  LABHUB_ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    meaning:
      'The resource exists but does not support this method (e.g. deleting a service defined in the config file).',
  },
  LABHUB_ERR_OAUTH: {
    status: 400,
    meaning:
      'An OAuth request was invalid (unknown client, bad redirect_uri, bad code or PKCE verifier).',
  },
  LABHUB_ERR_PROXY: {
    status: 502,
    meaning: 'The proxy could not be started, reached, or updated.',
  },
  LABHUB_ERR_UNSAFE_ROUTE: {
    status: 500,
    meaning:
      "The hub refused to send the proxy a route outside its owner's own prefix (e.g. a dot segment that would resolve to the hub's route `/`); the log names the route and the owner.",
  },
  LABHUB_ERR_LOGIN_FAILED: {
    status: 403,
    meaning:
      'The username or password was wrong, the user is not allowed, or choosing a new password took too long (sign in again).',
  },
  LABHUB_ERR_OAUTH_LOGIN: {
    status: 403,
    meaning:
      'A login at the OAuth 2 / OpenID Connect provider did not complete: the provider refused it (403, the message says why and what to do, e.g. your account is not in an allowed group), the answer did not check out (state, PKCE, ID token; start the login again), or the provider could not be reached (502; the log names the URL).',
  },
  LABHUB_ERR_CRYPT_KEY: {
    status: 500,
    meaning:
      'enable_auth_state is set but JUPYTERHUB_CRYPT_KEY is missing or malformed (one or more 32-byte keys, hex or base64, separated by `;`), or stored auth_state cannot be decrypted with any of those keys.',
  },
  LABHUB_ERR_PORT_IN_USE: {
    status: 500,
    meaning: 'A port the hub needs is already in use by another process.',
  },
  LABHUB_ERR_STOP: {
    status: 500,
    meaning:
      '`labhub stop` could not stop everything; the message names the process or port left and what to do.',
  },
  LABHUB_ERR_USER_ENV: {
    status: 500,
    meaning: 'The Python user environment (jupyterhub-singleuser) could not be found or created.',
  },
  LABHUB_ERR_SHARED_ENV: {
    status: 400,
    meaning:
      "A change of the shared environment (`labhub env`, the admin page) was refused or pip failed; the message has pip's error. The environment is left exactly as it was.",
  },
  LABHUB_ERR_PAM: {
    status: 500,
    meaning:
      'PAM authentication could not run (missing service, not root, or no PAM backend). When the config or running as root calls for PAM and it cannot run, the hub refuses to start and says what to install.',
  },
  LABHUB_ERR_LDAP: {
    status: 503,
    meaning:
      'The LDAP server could not be asked (not reachable, TLS failed or the certificate was not trusted, the lookup_dn_search_user bind was refused, a search failed). Nobody can log in with LDAP until it is fixed; the log says which server and why. A wrong password is not this error.',
  },
  LABHUB_ERR_SYSTEM_USER: {
    status: 500,
    meaning:
      "A Linux account is missing, has an invalid name, or could not be created or given a password (see LocalAuthenticator.add_user_cmd, and the admin page's one-time-password option).",
  },
  LABHUB_ERR_INTERNAL: {
    status: 500,
    meaning: 'An unexpected error; the page shows an error id that is also in the log.',
  },
} as const satisfies Record<string, CatalogEntry>;

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
