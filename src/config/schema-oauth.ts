/**
 * Traits of the OAuth 2 / OpenID Connect authenticators, with OAuthenticator 17's names, defaults
 * and meaning (src/auth/oauth/). `OpenIDOAuthenticator` is labhub's: GenericOAuthenticator whose
 * endpoints come from the issuer's `.well-known/openid-configuration`.
 */
import { z } from 'zod';
import { anyDict, strList, strSet, t } from './schema-util.js';

/**
 * A default read from the environment when the config is loaded (not when this module is), as
 * OAuthenticator reads OAUTH_CLIENT_ID, OAUTH2_TOKEN_URL, ….
 */
const env = (name: string): string => (() => process.env[name] ?? '') as unknown as string;

export const oauthenticatorTraits = {
  client_id: t(
    z.string(),
    env('OAUTH_CLIENT_ID'),
    'str',
    'The client id of this hub at the identity provider.',
    '$OAUTH_CLIENT_ID',
  ),
  client_secret: t(
    z.string(),
    env('OAUTH_CLIENT_SECRET'),
    'str',
    'The client secret of this hub at the identity provider (empty: a public client, PKCE only).',
    '$OAUTH_CLIENT_SECRET',
  ),
  oauth_callback_url: t(
    z.string(),
    env('OAUTH_CALLBACK_URL'),
    'str',
    'The URL the provider sends the person back to, as registered there, e.g. `https://hub.example.org/hub/oauth_callback`. Empty: derived from the request (`<scheme>://<host><base_url>hub/oauth_callback`).',
    '$OAUTH_CALLBACK_URL',
  ),
  authorize_url: t(
    z.string(),
    env('OAUTH2_AUTHORIZE_URL'),
    'str',
    "The provider's authorization endpoint.",
    '$OAUTH2_AUTHORIZE_URL',
  ),
  token_url: t(
    z.string(),
    env('OAUTH2_TOKEN_URL'),
    'str',
    "The provider's token endpoint.",
    '$OAUTH2_TOKEN_URL',
  ),
  userdata_url: t(
    z.string(),
    env('OAUTH2_USERDATA_URL'),
    'str',
    "The provider's user-info endpoint, called with the access token. Empty with `userdata_from_id_token`: the ID token's claims are the user data.",
    '$OAUTH2_USERDATA_URL',
  ),
  userdata_from_id_token: t(
    z.boolean(),
    false,
    'bool',
    'Read the user data from the ID token (verified by openid-client) instead of calling userdata_url.',
  ),
  scope: t(strList, [], 'list[str]', 'Scopes asked for, e.g. `["openid", "profile", "email"]`.'),
  extra_authorize_params: t(
    z.record(z.string(), z.string()),
    {},
    'dict[str, str]',
    "Extra query parameters of the authorization request (`state`, PKCE and `redirect_uri` are always labhub's).",
  ),
  username_claim: t(
    z.string(),
    'username',
    'str',
    'The user-data field that becomes the hub user name (a dotted path reaches into objects, e.g. `preferred_username`, `email`, `sub`), or a template, labhub\'s form of OAuthenticator\'s callable: `{field}` with filters `|localpart` (before the @) and `|lower`, e.g. `"{email|localpart}"`, `"gh-{login}"`.',
  ),
  login_service: t(
    z.string(),
    'OAuth 2.0',
    'str',
    'The provider name on the login button ("Sign in with …").',
  ),
  allowed_groups: t(
    strSet,
    [],
    'set[str]',
    'Provider groups (from `auth_state_groups_key` / `claim_groups_key`) whose members may log in.',
  ),
  admin_groups: t(
    strSet,
    [],
    'set[str]',
    'Provider groups whose members are admins (others lose admin at their next login unless in admin_users).',
  ),
  claim_groups_key: t(
    z.string(),
    'groups',
    'str',
    'The user-data field holding the list of groups (OAuthenticator 17 deprecates it for `auth_state_groups_key = "oauth_user.<key>"`).',
  ),
  auth_state_groups_key: t(
    z.string(),
    '',
    'str',
    'A dotted path into the auth state (`oauth_user.groups`, `oauth_user.realm_access.roles`) holding the groups. Wins over claim_groups_key when set.',
  ),
  auth_state_env: t(
    z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
      z.string(),
    ),
    {},
    'dict[str, str]',
    'Environment variables of the user\'s server taken from the auth state: `{variable: dotted path}`, e.g. `{"ACCESS_TOKEN": "access_token", "EMAIL": "oauth_user.email"}` (labhub\'s declarative form of an auth_state_hook that sets `spawner.environment`). Read when the server starts, after refresh_pre_spawn; needs enable_auth_state.',
  ),
  logout_redirect_url: t(
    z.string(),
    env('OAUTH_LOGOUT_REDIRECT_URL'),
    'str',
    "Where /hub/logout sends the browser after ending the hub session, e.g. the provider's end-session URL. Empty for OpenID Connect with discovery: the provider's end_session_endpoint (RP-initiated logout).",
    '$OAUTH_LOGOUT_REDIRECT_URL',
  ),
  token_params: t(anyDict, {}, 'dict', 'Extra parameters of the token request.'),
  basic_auth: t(
    z.boolean(),
    false,
    'bool',
    'Send the client id and secret to the token endpoint with HTTP Basic authentication (false: in the request body).',
  ),
  validate_server_cert: t(z.boolean(), true, 'bool', "Check the provider's TLS certificate."),
};

export const genericOAuthenticatorTraits = {};

export const openIdOAuthenticatorTraits = {
  issuer: t(
    z.string(),
    '',
    'str',
    'The OpenID Connect issuer, e.g. `https://keycloak.example.org/realms/lab`; the endpoints come from its `.well-known/openid-configuration` (authorize_url, token_url and userdata_url are then not needed).',
  ),
};

export const oauthClassHelp: Record<string, string> = {
  OAuthenticator: 'Log in at an OAuth 2 / OpenID Connect provider (OAuthenticator 17 traits).',
  GenericOAuthenticator:
    'Any OAuth 2 provider with the endpoints given (`generic-oauth`, `oauthenticator.generic.GenericOAuthenticator`).',
  OpenIDOAuthenticator:
    'An OpenID Connect provider found by discovery from `issuer` (`openid`); ID tokens are verified.',
  MultiAuthenticator:
    'Several logins at once (`multi`, `multiauthenticator.MultiAuthenticator`): provider buttons and a password form on one login page.',
};

const name = (login: string) =>
  t(z.string(), login, 'str', 'The provider name on the login button.');
const claim = (c: string) =>
  t(
    z.string(),
    c,
    'str',
    'The user-data field that becomes the hub user name, or a template such as `"{email|localpart}"` (see OAuthenticator.username_claim).',
  );

export const gitHubOAuthenticatorTraits = {
  login_service: name('GitHub'),
  username_claim: claim('login'),
  github_url: t(
    z.string(),
    'https://github.com',
    'str',
    'GitHub (or GitHub Enterprise) web address; the endpoints /login/oauth/authorize and /login/oauth/access_token are under it.',
  ),
  github_api: t(
    z.string(),
    '',
    'str',
    'The GitHub REST API. Empty: https://api.github.com for github.com, `<github_url>/api/v3` for GitHub Enterprise.',
  ),
  allowed_organizations: t(
    strSet,
    [],
    'set[str]',
    'Organizations (`org`) or teams (`org:team-slug`) whose members may log in; checked with the API, so `scope` needs `read:org`.',
  ),
  populate_teams_in_auth_state: t(
    z.boolean(),
    false,
    'bool',
    "The user's teams (`org:team-slug`) become the groups (for allowed_groups, admin_groups, manage_groups); needs `read:org`.",
  ),
};

export const gitLabOAuthenticatorTraits = {
  login_service: name('GitLab'),
  username_claim: claim('username'),
  scope: t(strList, ['read_user'], 'list[str]', 'Scopes asked for (`read_api` for group checks).'),
  gitlab_url: t(z.string(), 'https://gitlab.com', 'str', 'The GitLab instance.'),
  allowed_gitlab_groups: t(
    strSet,
    [],
    'set[str]',
    'GitLab groups (full paths) whose members (direct or inherited) may log in; checked with the API (`read_api` scope).',
  ),
  allowed_project_ids: t(
    z
      .array(z.union([z.number().int().positive(), z.string().min(1)]))
      .transform((a) => [...new Set(a.map(String))]),
    [],
    'set[int]',
    'GitLab projects (numeric ids, or URL-encoded full paths such as `science%2Fhpc-notebooks`) whose members (direct or inherited) at Developer access level or above (`access_level` >= 30) may log in; checked with the API (`read_api` scope), one call per project.',
  ),
};

export const googleOAuthenticatorTraits = {
  login_service: name('Google'),
  username_claim: claim('email'),
  scope: t(strList, ['openid', 'email'], 'list[str]', 'Scopes asked for.'),
  hosted_domain: t(
    strSet,
    [],
    'set[str]',
    "Google Workspace domains whose accounts may log in (the verified email's domain and Google's `hd` claim). With exactly one, the user name is the email without `@domain`.",
  ),
};

export const azureAdOAuthenticatorTraits = {
  login_service: name('Microsoft Entra ID'),
  username_claim: claim('name'),
  scope: t(strList, ['openid'], 'list[str]', 'Scopes asked for.'),
  tenant_id: t(
    z.string(),
    env('AAD_TENANT_ID'),
    'str',
    'The Entra ID (Azure AD) tenant; the endpoints are `https://login.microsoftonline.com/<tenant_id>/oauth2/v2.0/…`. The user data is the ID token.',
    '$AAD_TENANT_ID',
  ),
  userdata_from_id_token: t(
    z.boolean(),
    true,
    'bool',
    'The user data is the ID token (as AzureAdOAuthenticator).',
  ),
};

export const presetClassHelp: Record<string, string> = {
  GitHubOAuthenticator: 'Log in with GitHub or GitHub Enterprise (`github`).',
  GitLabOAuthenticator: 'Log in with GitLab (`gitlab`).',
  GoogleOAuthenticator: 'Log in with Google (`google`).',
  AzureAdOAuthenticator: 'Log in with Microsoft Entra ID, formerly Azure AD (`azuread`).',
};

const multiEntry = z
  .object({
    authenticator_class: z.string().min(1),
    url_prefix: z.string().prefault(''),
    username_prefix: z.string().prefault(''),
    config: z.record(z.string(), z.unknown()).prefault({}),
  })
  .strict();

export const multiAuthenticatorTraits = {
  authenticators: t(
    z.array(multiEntry),
    [],
    'list[{authenticator_class, url_prefix, username_prefix, config}]',
    "Several logins on one page (as jupyterhub-multiauthenticator): each entry is an authenticator class (`openid`, `github`, `generic-oauth`, …, or one password authenticator: `native`, `pam`, `dummy`) with its own traits in `config`. A provider's pages are `/hub/<url_prefix>/oauth_login` and `/hub/<url_prefix>/oauth_callback` (register that callback at the provider); `username_prefix` (e.g. `github-`) keeps the users of different providers apart, or leave it empty so that the same user name from two providers is one hub user. Who may log in (allowed_users, allowed_groups, admin_groups, …) is set once on Authenticator, for every entry.",
  ),
};
