/** Traits of the Authenticator base class and the password authenticators (PAM, dummy, native), with JupyterHub's names and defaults. */
import { z } from 'zod';
import { command, posInt, seconds, strDict, strSet, t } from './schema-util.js';

export const authenticatorTraits = {
  admin_users: t(
    strSet,
    [],
    'set[str]',
    'Users who are admins. They are created at start and may always log in.',
  ),
  allowed_users: t(
    strSet,
    [],
    'set[str]',
    'Users who may log in (in addition to allowed_groups and admins). With nothing allowed and allow_all false, only admins can log in.',
  ),
  blocked_users: t(strSet, [], 'set[str]', 'Users who may never log in, whatever else says.'),
  allow_all: t(z.boolean(), false, 'bool', 'Let every user who authenticates log in.'),
  allow_existing_users: t(
    z.boolean().nullable(),
    true,
    'bool',
    'Users already in the hub database may log in even if not listed. Only admins, --admin and the config add users to the database.',
    'true (JupyterHub: true only when allowed_users is non-empty, which locked out users added on the admin page)',
  ),

  username_pattern: t(
    z.string(),
    '',
    'str',
    'Regular expression a username must match (empty = any valid name).',
  ),
  username_map: t(
    strDict,
    {},
    'dict[str, str]',
    'Rename users at login: `{login name: hub name}`.',
  ),
  // JupyterHub's base-class traits that only a login with tokens honours: set here they apply
  // to the configured OAuth / OpenID Connect authenticator (its own class's value wins); with
  // PAM, native, dummy or LDAP a non-false value is refused (config/auth-state-keys.ts).
  enable_auth_state: t(
    z.boolean(),
    false,
    'bool',
    "Keep the tokens and user data of an OAuth / OpenID Connect login (`access_token`, `refresh_token`, `id_token`, `oauth_user`, …) as the user's auth_state, encrypted (AES-256-GCM) with JUPYTERHUB_CRYPT_KEY; the hub refuses to start without that key. Refused with PAM, native, dummy and LDAP, which keep no auth state.",
  ),
  manage_groups: t(
    z.boolean(),
    false,
    'bool',
    "The OAuth / OpenID Connect provider's groups become the user's hub groups at each login (missing groups are created; the user leaves hub groups the provider no longer names). Refused with PAM, native, dummy and LDAP.",
  ),
  auth_refresh_age: t(
    z.number().int().min(0),
    300,
    'int',
    "Seconds an OAuth / OpenID Connect login's auth_state counts as fresh. On a request (login cookie or API token) of a user whose last refresh is older, the hub refreshes it: an access token that has expired or expires within this age is renewed with the refresh token, the user data and groups are read again (manage_groups), and when that fails the person must log in again (pages: the login page; API: 403). 0 turns it off. Needs enable_auth_state; PAM, native, dummy and LDAP logins have nothing to refresh and are not affected. Not with several authenticators at once.",
  ),
  refresh_pre_spawn: t(
    z.boolean(),
    false,
    'bool',
    'Before a server starts, refresh an expired OAuth access token with the refresh token; when that fails the person must log in again. Refused with PAM, native, dummy and LDAP, and with several authenticators at once.',
  ),
};

export const localAuthenticatorTraits = {
  allowed_groups: t(
    strSet,
    [],
    'set[str]',
    'Unix groups whose members may log in. labhub counts primary and supplementary groups (JupyterHub only supplementary).',
  ),
  admin_groups: t(strSet, [], 'set[str]', 'Unix groups whose members are admins.'),
  create_system_users: t(
    z.boolean(),
    false,
    'bool',
    'Create a missing Linux account when a hub user is added, with `add_user_cmd`. Such an account has no password, so PAM refuses its logins; as root, the admin page can instead create accounts with one-time passwords that are changed at the first login.',
  ),
  add_user_cmd: t(
    command,
    [],
    'list[str]',
    'Command that creates a Linux user; the name is appended. Empty: `adduser -q --gecos "" --disabled-password` (Debian) or `useradd -m`, and the new home is made private (0700). A failure because another program created an account at the same moment ("UID … is not unique") is retried.',
  ),
};

export const pamAuthenticatorTraits = {
  service: t(z.string(), 'login', 'str', 'PAM service name.'),
  encoding: t(z.string(), 'utf8', 'str', 'Text encoding of the PAM conversation.'),
  open_sessions: t(z.boolean(), false, 'bool', 'Open a PAM session for each spawned server.'),
  check_account: t(
    z.boolean(),
    true,
    'bool',
    'Run PAM account management (refuses expired or locked accounts).',
  ),
};

export const dummyAuthenticatorTraits = {
  password: t(
    z.string(),
    '',
    'str',
    'Shared password for every user (testing only; labhub logs a loud warning). Empty: any password.',
  ),
};

/** NativeAuthenticator's own traits, with the plugin's meaning (jupyterhub-nativeauthenticator 1.3). */
export const nativeAuthenticatorTraits = {
  enable_signup: t(
    z.boolean(),
    true,
    'bool',
    'Show the sign-up page (`/hub/signup`) and a link to it on the login page. false: only admins create accounts (`labhub --admin NAME`, or reset a password).',
  ),
  open_signup: t(
    z.boolean(),
    false,
    'bool',
    'Accounts created on the sign-up page can sign in at once. false: an admin approves each one on `/hub/signups` (linked from the admin page); names in `admin_users` and `allowed_users` are approved at once, as in NativeAuthenticator.',
  ),
  ask_email_on_signup: t(
    z.boolean(),
    false,
    'bool',
    'The sign-up page asks for an email address (required); admins see it on `/hub/signups`.',
  ),
  check_common_password: t(
    z.boolean(),
    false,
    'bool',
    'Refuse passwords found in a list of about 49,000 common passwords (compared case-insensitively) at sign-up and password change.',
  ),
  minimum_password_length: t(
    posInt,
    8,
    'int',
    'Shortest password accepted at sign-up and password change.',
    '8 (NativeAuthenticator: 1)',
  ),
  allowed_failed_logins: t(
    posInt,
    0,
    'int',
    'Failed logins in a row after which the account is locked for `seconds_before_next_try`, even for the right password (0 = never; labhub still rate-limits per Labhub.login_rate_limit).',
  ),
  seconds_before_next_try: t(
    seconds,
    600,
    'int',
    'How long an account stays locked after `allowed_failed_logins` failures, in seconds.',
  ),
};
