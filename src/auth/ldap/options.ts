/**
 * LDAPAuthenticator's options (ldapauthenticator 2.x traits, src/config/schema-ldap.ts) checked
 * and resolved once, when the authenticator is created: every template is tried, every
 * combination ldapauthenticator needs is required, so a wrong setting stops the hub at start
 * (LABHUB_ERR_CONFIG naming the key) instead of refusing every login later. No I/O here: the TLS
 * files are read at each connection (tls.ts).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { HubError } from '../../errors.js';
import { ldapAuthenticatorTraits } from '../../config/schema-ldap.js';
import { fillTemplate } from './escape.js';

/** What the plugin parses: LDAPAuthenticator's traits (the policy reads the Authenticator ones). */
export const ldapOptionsSchema = z.object(ldapAuthenticatorTraits);
export type LdapOptions = z.output<typeof ldapOptionsSchema>;
export type TlsKwargs = LdapOptions['tls_kwargs'];

/** The resolved settings the authenticator runs with. */
export interface LdapSettings {
  host: string;
  port: number;
  tlsStrategy: 'before_bind' | 'on_connect' | 'insecure';
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  tlsKwargs: TlsKwargs;
  bindDnTemplates: string[];
  lookupDn: {
    searchBase: string;
    userAttribute: string;
    filter: string;
    searchUser: string | null;
    searchPassword: string | null;
    dnAttribute: string;
    useLookupUsername: boolean;
  } | null;
  allowedGroups: string[];
  groupSearchFilter: string;
  groupAttributes: string[];
  searchFilter: {
    template: string;
    base: string;
    userAttribute: string;
    attributes: string[];
  } | null;
  validUsername: RegExp;
  validUsernameSource: string;
  authStateAttributes: string[];
}

const C = 'LDAPAuthenticator';

function configError(key: string, message: string): HubError {
  return new HubError('LABHUB_ERR_CONFIG', 500, `${C}.${key}: ${message}`);
}

/** Try a template with placeholder values so a wrong field fails now, naming the key. */
function checkTemplate(key: string, template: string, fields: string[]): void {
  try {
    fillTemplate(template, Object.fromEntries(fields.map((f) => [f, 'x'])));
  } catch (e) {
    throw configError(
      key,
      `the template ${JSON.stringify(template)} has ${(e as Error).message}. Fix it in the configuration file.`,
    );
  }
}

/**
 * Check and resolve the options. Throws HubError LABHUB_ERR_CONFIG (naming the key) for a setting
 * ldapauthenticator would refuse, or one labhub does not implement. Warnings go to `log`.
 */
export function resolveLdapSettings(o: LdapOptions, log: Logger): LdapSettings {
  const host = o.server_address.trim();
  if (!host)
    throw configError(
      'server_address',
      'the address of the LDAP server is required, e.g. "ldap.example.org".',
    );
  if (host.includes('://') || /[/\s]/.test(host))
    throw configError(
      'server_address',
      `expected a host name or IP address, but it is ${JSON.stringify(host)}. Put the port in server_port and choose encryption with tls_strategy (on_connect for ldaps://).`,
    );

  let strategy = o.tls_strategy;
  if (strategy === 'after_bind')
    throw configError(
      'tls_strategy',
      '"after_bind" is not a value of ldapauthenticator 2.x, and it would send the password before the connection is encrypted. Use "before_bind" (StartTLS, the default) or "on_connect" (LDAPS).',
    );
  if (o.use_ssl === true) {
    strategy = 'on_connect';
    log.warn(
      `${C}.use_ssl is deprecated since ldapauthenticator 2.0: labhub uses tls_strategy "on_connect" for it. Write tls_strategy: on_connect instead.`,
    );
  } else if (o.use_ssl === false)
    log.warn(
      `${C}.use_ssl = False has no effect (deprecated since ldapauthenticator 2.0); remove it.`,
    );
  if (o.escape_userdn)
    log.warn(
      `${C}.escape_userdn was removed in ldapauthenticator 2.0 and has no effect: names are always escaped in DNs and filters. Remove it.`,
    );
  if (strategy === 'insecure')
    log.warn(
      `${C}.tls_strategy is "insecure": passwords go to ${host} unencrypted. Use "before_bind" or "on_connect" unless the network path is trusted.`,
    );

  const kw = o.tls_kwargs;
  const refusedKw: Array<[keyof TlsKwargs, string]> = [
    ['version', 'Node negotiates TLS 1.2 or 1.3 itself'],
    ['ssl_options', 'Python ssl option flags have no Node equivalent'],
    ['ca_certs_path', 'put the CA certificates into one PEM file and name it in ca_certs_file'],
  ];
  for (const [k, instead] of refusedKw)
    if (kw[k] !== undefined)
      throw configError(`tls_kwargs.${k}`, `not supported by labhub (${instead}). Remove it.`);
  if (kw.validate === 0)
    log.warn(
      `${C}.tls_kwargs.validate is 0 (ssl.CERT_NONE): the LDAP server's certificate is not verified, so anyone on the network path can pose as ${host} and read passwords. Give the CA in tls_kwargs.ca_certs_file instead.`,
    );
  if ((kw.local_certificate_file === undefined) !== (kw.local_private_key_file === undefined))
    throw configError(
      'tls_kwargs',
      'a client certificate needs both local_certificate_file and local_private_key_file.',
    );

  const templates = o.bind_dn_template.filter((t) => t !== '');
  if (templates.length < o.bind_dn_template.length)
    log.warn(`${C}.bind_dn_template: ignoring a blank entry.`);
  if (!o.lookup_dn && templates.length === 0)
    throw configError(
      'bind_dn_template',
      'LDAPAuthenticator needs bind_dn_template (e.g. "uid={username},ou=people,dc=example,dc=org") or lookup_dn = True.',
    );
  for (const t of templates) checkTemplate('bind_dn_template', t, ['username']);

  let lookupDn: LdapSettings['lookupDn'] = null;
  if (o.lookup_dn) {
    const need = (key: string, v: string | null | undefined, example: string): string => {
      if (!v) throw configError(key, `lookup_dn = True needs ${key} (e.g. ${example}).`);
      return v;
    };
    const searchBase = need(
      'user_search_base',
      o.user_search_base,
      '"ou=people,dc=example,dc=org"',
    );
    const userAttribute = need('user_attribute', o.user_attribute, '"uid", AD: "sAMAccountName"');
    const dnAttribute = need(
      'lookup_dn_user_dn_attribute',
      o.lookup_dn_user_dn_attribute,
      '"uid", AD: "sAMAccountName"',
    );
    checkTemplate('lookup_dn_search_filter', o.lookup_dn_search_filter, ['login_attr', 'login']);
    if (o.lookup_dn_search_user && !o.lookup_dn_search_password)
      throw configError(
        'lookup_dn_search_password',
        `lookup_dn_search_user is set, but its password is empty: an LDAP bind with an empty password is an anonymous bind. Set the password, or remove lookup_dn_search_user for an anonymous search.`,
      );
    lookupDn = {
      searchBase,
      userAttribute,
      filter: o.lookup_dn_search_filter,
      searchUser: o.lookup_dn_search_user || null,
      searchPassword: o.lookup_dn_search_user ? (o.lookup_dn_search_password ?? null) : null,
      dnAttribute,
      useLookupUsername: o.use_lookup_dn_username,
    };
  } else if (o.use_lookup_dn_username)
    log.warn(`${C}.use_lookup_dn_username has no effect without lookup_dn = True.`);

  const allowedGroups = o.allowed_groups ?? [];
  if (allowedGroups.length > 0) {
    if (!o.group_search_filter || o.group_attributes.length === 0)
      throw configError(
        'allowed_groups',
        'allowed_groups needs both group_search_filter and group_attributes to be set (not empty).',
      );
    checkTemplate('group_search_filter', o.group_search_filter, ['userdn', 'uid']);
  }

  let searchFilter: LdapSettings['searchFilter'] = null;
  if (o.search_filter) {
    checkTemplate('search_filter', o.search_filter, ['userattr', 'username']);
    if (!o.user_search_base)
      throw configError('search_filter', 'search_filter needs user_search_base (where to search).');
    searchFilter = {
      template: o.search_filter,
      base: o.user_search_base,
      userAttribute: o.user_attribute ?? '',
      attributes: o.attributes,
    };
  }

  let validUsername: RegExp;
  try {
    // Python's re.match: anchored at the start only.
    validUsername = new RegExp(`^(?:${o.valid_username_regex})`, 'u');
  } catch (e) {
    throw configError(
      'valid_username_regex',
      `${JSON.stringify(o.valid_username_regex)} is not a valid regular expression (${(e as Error).message}).`,
    );
  }

  const port = o.server_port ?? (strategy === 'on_connect' ? 636 : 389);
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  return {
    host,
    port,
    tlsStrategy: strategy,
    url: `${strategy === 'on_connect' ? 'ldaps' : 'ldap'}://${urlHost}:${port}`,
    tlsKwargs: kw,
    bindDnTemplates: templates,
    lookupDn,
    allowedGroups,
    groupSearchFilter: o.group_search_filter,
    groupAttributes: o.group_attributes,
    searchFilter,
    validUsername,
    validUsernameSource: o.valid_username_regex,
    authStateAttributes: o.auth_state_attributes,
  };
}
