/**
 * The `ldap` authenticator: a login-form (password) authenticator that checks the password by
 * binding to an LDAP server or Active Directory, with ldapauthenticator 2.x's keys and meaning
 * (`authenticator_class: ldapauthenticator.LDAPAuthenticator` works unchanged). The steps of
 * one login, as in ldapauthenticator:
 *
 * 1. the typed name must match `valid_username_regex` and the hub's name rules; an empty (or
 *    blank) password is refused before contacting the server (no anonymous bind);
 * 2. with `lookup_dn`: bind as `lookup_dn_search_user` (or anonymously), search
 *    `user_search_base` with `lookup_dn_search_filter`; exactly one entry with exactly one value
 *    of `lookup_dn_user_dn_attribute` is required;
 * 3. bind as the user with each `bind_dn_template` in turn (`{username}` escaped per RFC 4514),
 *    or with the DN the search found when there is no template;
 * 4. `search_filter` (when set) must find exactly this user;
 * 5. each `allowed_groups` DN is searched (base scope) with `group_search_filter`, values escaped
 *    per RFC 4515; the groups found are the result's `groups`, which the hub's policy
 *    (auth/policy.ts) compares with `allowed_groups`, like ldapauthenticator's check_allowed;
 * 6. `auth_state_attributes` are read from the user's entry into `auth_state.user_attributes`.
 *
 * Each refusal is one log line saying which step refused and why. A server that cannot be asked
 * is HubError LABHUB_ERR_LDAP (503), never "wrong password".
 */
import type { Logger } from '../../log.js';
import type { JsonObject } from '../../util/json.js';
import type { Authenticator, AuthenticatorNotice, AuthResult, LoginInput } from '../types.js';
import { HubError, isHubError } from '../../errors.js';
import { defineAuthenticator } from '../define.js';
import { logName } from '../options.js';
import { normalizeBasic, validateBasic } from '../policy.js';
import { attributeValues, LdapConnection } from './connection.js';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './escape.js';
import { ldapOptionsSchema, resolveLdapSettings, type LdapSettings } from './options.js';

/** A DN for log lines: bounded, control characters escaped. */
function logDn(dn: string): string {
  return JSON.stringify(dn.length > 200 ? `${dn.slice(0, 200)}…` : dn);
}

/** The user's DN and name as found by lookup_dn, or why not (for the log). */
type Lookup = { dn: string; username: string } | { refused: string };

async function lookupUser(
  conn: LdapConnection,
  s: LdapSettings,
  login: string,
  log: Logger,
): Promise<Lookup> {
  const l = s.lookupDn!;
  if (l.searchUser) {
    const why = await conn.bind(l.searchUser, l.searchPassword ?? '');
    if (why !== null) {
      log.error(
        `LDAP: the lookup_dn_search_user ${logDn(l.searchUser)} could not bind (${why}): nobody can log in. Fix LDAPAuthenticator.lookup_dn_search_user / lookup_dn_search_password.`,
      );
      throw new HubError(
        'LABHUB_ERR_LDAP',
        503,
        'Login is not possible right now: the hub cannot search the directory. Tell the administrators.',
        { logMessage: `LDAP: lookup_dn_search_user bind refused: ${why}` },
      );
    }
  }
  const filter = fillTemplate(l.filter, {
    login_attr: l.userAttribute,
    login: escapeFilterValue(login),
  });
  const entries = await conn.search(l.searchBase, 'sub', filter, [l.dnAttribute]);
  if (entries.length === 0)
    return { refused: `no entry under ${logDn(l.searchBase)} matches ${filter}` };
  if (entries.length > 1)
    return {
      refused: `${entries.length} entries match ${filter}, one is required (are lookup_dn_search_filter and user_attribute unique?)`,
    };
  const entry = entries[0]!;
  const values = attributeValues(entry, l.dnAttribute);
  if (!values || values.length !== 1)
    return {
      refused: `the entry ${logDn(entry.dn)} has ${values?.length ?? 0} values of lookup_dn_user_dn_attribute ${l.dnAttribute}, one is required`,
    };
  return { dn: entry.dn, username: values[0]! };
}

function createLdap(s: LdapSettings, log: Logger): Authenticator {
  async function authenticate(input: LoginInput): Promise<AuthResult | null> {
    const login = input.username ?? '';
    const password = input.password ?? '';
    const who = `"${logName(login)}"`;
    const refuse = (why: string): null => {
      log.info(`LDAP: login refused for ${who}: ${why}`);
      return null;
    };
    if (!validateBasic(login).ok) return refuse('the name breaks the hub username rules');
    if (!s.validUsername.test(login))
      return refuse(`the name does not match valid_username_regex ${s.validUsernameSource}`);
    // An empty password would be an anonymous ("unauthenticated") bind, which servers accept.
    if (password.trim() === '') return refuse('empty password');
    if (password.includes('\0')) return refuse('the password contains a NUL character');

    const conn = await LdapConnection.open(s);
    try {
      let username = login;
      let foundDn: string | null = null;
      if (s.lookupDn) {
        const found = await lookupUser(conn, s, login, log);
        if ('refused' in found) return refuse(`lookup_dn: ${found.refused}`);
        ({ username, dn: foundDn } = found);
      }
      // The templates with the (typed or looked-up) name escaped for a DN; with lookup_dn and
      // no template, the DN the search found.
      const dns =
        foundDn !== null && s.bindDnTemplates.length === 0
          ? [foundDn]
          : s.bindDnTemplates.map((t) => fillTemplate(t, { username: escapeDnValue(username) }));

      let userDn: string | null = null;
      const tried: string[] = [];
      for (const dn of dns) {
        const why = await conn.bind(dn, password);
        if (why === null) {
          userDn = dn;
          break;
        }
        tried.push(`${logDn(dn)}: ${why}`);
      }
      if (userDn === null)
        return refuse(
          `no bind succeeded (wrong password or unknown user): ${tried.join('; ').slice(0, 600)}`,
        );

      if (s.searchFilter) {
        const f = s.searchFilter;
        const filter = fillTemplate(f.template, {
          userattr: f.userAttribute,
          username: escapeFilterValue(username),
        });
        const n = (await conn.search(f.base, 'sub', filter, f.attributes)).length;
        if (n !== 1)
          return refuse(
            `search_filter ${filter} found ${n} entries under ${logDn(f.base)}, one is required`,
          );
      }

      const ldapGroups: string[] = [];
      for (const group of s.allowedGroups) {
        const filter = fillTemplate(s.groupSearchFilter, {
          userdn: escapeFilterValue(userDn),
          uid: escapeFilterValue(username),
        });
        const hits = await conn.search(group, 'base', filter, s.groupAttributes);
        if (hits.length > 0) ldapGroups.push(group);
      }

      const userAttributes: JsonObject = {};
      if (s.authStateAttributes.length) {
        const entries = await conn.search(userDn, 'base', '(objectClass=*)', s.authStateAttributes);
        if (entries.length === 1) {
          for (const a of s.authStateAttributes) {
            const v = attributeValues(entries[0]!, a);
            if (v !== undefined) userAttributes[a] = v;
          }
        } else
          log.warn(
            `LDAP: ${entries.length} entries for ${logDn(userDn)} when reading auth_state_attributes; the auth state of ${who} has no attributes.`,
          );
      }

      const name = normalizeBasic(s.lookupDn?.useLookupUsername ? username : login);
      log.debug(`LDAP: ${who} bound as ${logDn(userDn)}; groups: ${ldapGroups.length}`);
      return {
        name,
        groups: ldapGroups,
        authState: { ldap_groups: ldapGroups, user_attributes: userAttributes },
      };
    } finally {
      await conn.close();
    }
  }

  /**
   * At start, in the background: the server answers (with TLS as configured), the search
   * account binds, and the allowed_groups exist (read as the search account; anonymously they
   * may be hidden, so then they are not checked).
   */
  async function startupNotices(): Promise<AuthenticatorNotice[]> {
    const out: AuthenticatorNotice[] = [];
    let conn: LdapConnection | null = null;
    try {
      conn = await LdapConnection.open(s);
      const l = s.lookupDn;
      if (l?.searchUser) {
        const why = await conn.bind(l.searchUser, l.searchPassword ?? '');
        if (why !== null)
          return [
            {
              level: 'warn',
              message: `LDAP: lookup_dn_search_user ${logDn(l.searchUser)} cannot bind at ${s.url} (${why}): nobody can log in. Fix LDAPAuthenticator.lookup_dn_search_user / lookup_dn_search_password.`,
            },
          ];
        for (const g of s.allowedGroups)
          if ((await conn.search(g, 'base', '(objectClass=*)', ['1.1'])).length === 0)
            out.push({
              level: 'warn',
              message: `LDAP: allowed_groups names ${logDn(g)}, which ${logDn(l.searchUser)} cannot find at ${s.url}: nobody gets in through it. Check the DN.`,
            });
      } else {
        // Any request proves the connection (and TLS) works; the root DSE is readable by all.
        await conn.search('', 'base', '(objectClass=*)', ['1.1']);
      }
    } catch (e) {
      const detail = isHubError(e) ? (e.logMessage ?? e.message) : (e as Error).message;
      out.push({
        level: 'warn',
        message: `LDAP: cannot reach ${s.url}: ${detail}. Logins fail until this works.`,
      });
    } finally {
      await conn?.close();
    }
    return out;
  }

  return {
    description: `LDAP (${s.url}, tls_strategy ${s.tlsStrategy})`,
    normalizeUsername: normalizeBasic,
    authenticate,
    startupNotices,
  };
}

/** The `ldap` plugin (ldapauthenticator's LDAPAuthenticator). */
export const ldapAuthenticatorDefinition = defineAuthenticator({
  id: 'ldap',
  aliases: [
    'ldap',
    'LDAPAuthenticator',
    'ldapauthenticator.LDAPAuthenticator',
    'ldapauthenticator.ldapauthenticator.LDAPAuthenticator',
  ],
  configClasses: ['Authenticator', 'LDAPAuthenticator'],
  options: ldapOptionsSchema,
  create: (options, { log }) => createLdap(resolveLdapSettings(options, log), log),
});
