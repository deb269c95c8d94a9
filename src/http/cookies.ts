/** Cookie names JupyterHub uses (the singleuser reads jupyterhub-session-id). */
export const LOGIN_COOKIE = 'jupyterhub-hub-login';
export const SESSION_COOKIE = 'jupyterhub-session-id';
export const XSRF_COOKIE = '_xsrf';
/** The single-use ticket of a login whose password must be changed (httpOnly, /hub/ only). */
export const PASSWORD_CHANGE_COOKIE = 'labhub-password-change';
/** State, PKCE verifier, nonce and `next` of a login at an OAuth provider (signed, httpOnly, /hub/ only; OAuthenticator's name). */
export const OAUTH_STATE_COOKIE = 'oauthenticator-state';
