/**
 * LDAPAuthenticator's traits, with ldapauthenticator 2.x's names, defaults and meaning (the
 * plugin itself is src/auth/ldap/). Apart from schema-classes.ts so the LDAP keys stay in one place.
 */
import { z } from 'zod';
import { port, strList, t } from './schema-util.js';

/**
 * ldap3's `Tls(...)` keyword arguments that labhub maps onto Node's TLS options. Keys of ldap3
 * that have no Node equivalent (`version`, `ssl_options`, `ca_certs_path`) are refused when the
 * authenticator is created, with what to use instead.
 */
const tlsKwargs = z.strictObject({
  ca_certs_file: z.string().optional(),
  ca_certs_data: z.string().optional(),
  ca_certs_path: z.string().optional(),
  local_certificate_file: z.string().optional(),
  local_private_key_file: z.string().optional(),
  local_private_key_password: z.string().optional(),
  ciphers: z.string().optional(),
  sni: z.string().optional(),
  valid_names: z.array(z.string()).optional(),
  validate: z.number().int().min(0).max(2).optional(),
  version: z.number().int().optional(),
  ssl_options: z.array(z.number().int()).optional(),
});

/** `tls_strategy`: `after_bind` is listed so the refusal can say why (see auth/ldap/options.ts). */
const tlsStrategy = z.enum(['before_bind', 'on_connect', 'insecure', 'after_bind']);

export const ldapAuthenticatorTraits = {
  server_address: t(
    z.string(),
    '',
    'str',
    'Host name or IP address of the LDAP server (required), e.g. `ldap.example.org` or `dc01.ad.example.org`.',
  ),
  server_port: t(
    port.nullable(),
    null,
    'int',
    'Port of the LDAP server. Default: 636 with `tls_strategy: on_connect`, else 389.',
    '389 (636 with tls_strategy on_connect)',
  ),
  tls_strategy: t(
    tlsStrategy,
    'before_bind',
    'str',
    '`before_bind`: plain connection upgraded with StartTLS before any password is sent (default); `on_connect`: TLS from the first byte (LDAPS, port 636); `insecure`: no encryption at all (passwords cross the network in clear). `after_bind` is refused: it would send the password before encrypting.',
  ),
  use_ssl: t(
    z.boolean().nullable(),
    null,
    'bool',
    'Deprecated since ldapauthenticator 2.0: `true` means `tls_strategy: on_connect` (with a warning); `false` has no effect.',
  ),
  tls_kwargs: t(
    tlsKwargs,
    {},
    'dict',
    "TLS settings, with ldap3's `Tls` argument names: `ca_certs_file` / `ca_certs_data` (CA that signed the server's certificate; without one, the system's CAs), `local_certificate_file`, `local_private_key_file`, `local_private_key_password` (client certificate), `ciphers` (OpenSSL cipher list), `sni`, `valid_names` (names accepted in the server's certificate besides server_address), `validate` (0 = do not verify the certificate, with a warning; 2 = verify). labhub verifies the certificate by default (ldap3 does not).",
    '{} (the certificate is verified against the system CAs)',
  ),
  bind_dn_template: t(
    z.union([z.string().transform((s) => [s]), z.array(z.string())]),
    [],
    'list[str] | str',
    'DN templates to bind as, tried in order; `{username}` becomes the login name escaped for a DN (RFC 4514), e.g. `uid={username},ou=people,dc=example,dc=org`. For Active Directory `{username}@ad.example.org` (a UPN) works too. With `lookup_dn`, an empty template means: bind with the DN the search found.',
  ),
  lookup_dn: t(
    z.boolean(),
    false,
    'bool',
    "Find the user's DN with a search (`user_search_base`, `user_attribute`, `lookup_dn_search_filter`) before binding, for directories whose DNs do not contain the login name (Active Directory: `CN=Doe\\, Jane,OU=Staff,…`).",
  ),
  user_search_base: t(
    z.string().nullable(),
    null,
    'str',
    'Where users are searched (with `lookup_dn` or `search_filter`), e.g. `ou=people,dc=example,dc=org`.',
  ),
  user_attribute: t(
    z.string().nullable(),
    null,
    'str',
    'Attribute holding the login name: `uid` (OpenLDAP), `sAMAccountName` (Active Directory).',
  ),
  lookup_dn_search_filter: t(
    z.string(),
    '({login_attr}={login})',
    'str',
    'Filter of the DN search: `{login_attr}` becomes user_attribute, `{login}` the login name escaped for a filter (RFC 4515).',
  ),
  lookup_dn_search_user: t(
    z.string().nullable(),
    null,
    'str',
    'DN (or AD user principal name) of the account that runs the DN search; none = anonymous search.',
  ),
  lookup_dn_search_password: t(
    z.string().nullable(),
    null,
    'str',
    'Password of lookup_dn_search_user.',
  ),
  lookup_dn_user_dn_attribute: t(
    z.string().nullable(),
    null,
    'str',
    "Attribute of the found entry whose (single) value is put into bind_dn_template's `{username}`, and becomes the hub username with use_lookup_dn_username (AD: `sAMAccountName`).",
  ),
  use_lookup_dn_username: t(
    z.boolean(),
    false,
    'bool',
    'With lookup_dn: the hub username is the value of lookup_dn_user_dn_attribute instead of the name typed at login (lower-cased; make sure it is unique).',
  ),
  allowed_groups: t(
    strList.nullable(),
    null,
    'list[str]',
    "DNs of LDAP groups whose members may log in (any one suffices): a group is searched with group_search_filter, so `member`/`uniqueMember` (the user's DN) and `memberUid` (the login name) all count.",
  ),
  group_search_filter: t(
    z.string(),
    '(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))',
    'str',
    "Filter that a group entry of allowed_groups must match for the user to be a member: `{userdn}` is the user's DN and `{uid}` the login name, both escaped for a filter (RFC 4515).",
  ),
  group_attributes: t(
    strList,
    ['member', 'uniqueMember', 'memberUid'],
    'list[str]',
    'Attributes asked for in the group search (must not be empty when allowed_groups is set).',
  ),
  search_filter: t(
    z.string(),
    '',
    'str',
    'After a successful bind, the user must be the one entry this filter finds under user_search_base, or the login is refused: `{userattr}` becomes user_attribute, `{username}` the escaped name. Empty: no such check.',
  ),
  attributes: t(strList, [], 'list[str]', 'Attributes asked for in the search_filter search.'),
  valid_username_regex: t(
    z.string(),
    '^[a-z][.a-z0-9_-]*$',
    'str',
    'Login names must match this regular expression (searched from the start, like Python re.match), else the login is refused before contacting the server. Names and DNs are escaped whatever it says.',
  ),
  auth_state_attributes: t(
    strList,
    [],
    'list[str]',
    "Attributes of the user's entry kept in the user's auth_state as `user_attributes` (next to `ldap_groups`, the allowed_groups the user is in).",
  ),
  escape_userdn: t(
    z.boolean(),
    false,
    'bool',
    'Removed in ldapauthenticator 2.0 and without effect (labhub always escapes names in DNs and filters); setting it logs a warning.',
  ),
};

/** LDAPAuthenticator's line in docs/config.md. */
export const ldapAuthenticatorHelp =
  'Passwords checked by binding to an LDAP server or Active Directory (ldapauthenticator 2.x keys), `authenticator_class: ldap` (or `ldapauthenticator.LDAPAuthenticator`). See docs/authentication.md.';
