/**
 * One LDAP connection for one login, on ldapts: opened with the configured TLS strategy
 * (`before_bind`: StartTLS before anything is sent; `on_connect`: LDAPS; `insecure`: none), then
 * binds and searches. Failures to talk to the server at all (connection, TLS, certificate, a
 * search error) are HubError LABHUB_ERR_LDAP with the cause for the log; a refused bind is a
 * plain `false`, as ldap3's LDAPBindError is for ldapauthenticator.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { Client, Entry } from 'ldapts';
import { HubError } from '../../errors.js';
import type { LdapSettings, TlsKwargs } from './options.js';

/** ldapts, loaded by the first connection (LdapConnection.open): other hubs do not carry it. */
let ldap: typeof import('ldapts');

/** What a person sees when the directory cannot be asked (details go to the log). */
export const LDAP_UNAVAILABLE_MESSAGE =
  'Login is not possible right now: the directory server could not be reached. Try again later, or tell the administrators.';

/** Node TLS options for ldap3's `Tls(...)` arguments. Reads the named files (each call). */
export function tlsOptionsFor(host: string, kw: TlsKwargs): ConnectionOptions {
  const read = (key: keyof TlsKwargs, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new HubError('LABHUB_ERR_LDAP', 503, LDAP_UNAVAILABLE_MESSAGE, {
        logMessage: `LDAPAuthenticator.tls_kwargs.${key}: cannot read ${file}: ${(e as Error).message}`,
      });
    }
  };
  const o: ConnectionOptions = { host, minVersion: 'TLSv1.2' };
  const servername = kw.sni ?? (isIP(host) ? undefined : host);
  if (servername) o.servername = servername;
  const ca = [
    ...(kw.ca_certs_file ? [read('ca_certs_file', kw.ca_certs_file)] : []),
    ...(kw.ca_certs_data ? [kw.ca_certs_data] : []),
  ];
  if (ca.length) o.ca = ca;
  if (kw.local_certificate_file && kw.local_private_key_file) {
    o.cert = read('local_certificate_file', kw.local_certificate_file);
    o.key = read('local_private_key_file', kw.local_private_key_file);
    if (kw.local_private_key_password) o.passphrase = kw.local_private_key_password;
  }
  if (kw.ciphers) o.ciphers = kw.ciphers;
  o.rejectUnauthorized = kw.validate !== 0;
  const names = kw.valid_names;
  if (names?.length)
    // The certificate may name the server_address or any of valid_names.
    o.checkServerIdentity = (hostname: string, cert: PeerCertificate) => {
      const first = checkServerIdentity(hostname, cert);
      if (!first) return undefined;
      return names.some((n) => !checkServerIdentity(n, cert)) ? undefined : first;
    };
  return o;
}

function unavailable(s: LdapSettings, what: string, e: unknown): HubError {
  return new HubError('LABHUB_ERR_LDAP', 503, LDAP_UNAVAILABLE_MESSAGE, {
    logMessage: `LDAP ${s.url} (tls_strategy ${s.tlsStrategy}): ${what} failed: ${(e as Error)?.message ?? String(e)}`,
    cause: e,
  });
}

/** An open connection to the directory (close it with {@link LdapConnection.close}). */
export class LdapConnection {
  private constructor(
    private readonly client: Client,
    private readonly s: LdapSettings,
  ) {}

  /** Connect (and StartTLS for `before_bind`). Throws HubError LABHUB_ERR_LDAP. */
  static async open(s: LdapSettings): Promise<LdapConnection> {
    ldap ??= await import('ldapts');
    const tlsOptions =
      s.tlsStrategy === 'insecure' ? undefined : tlsOptionsFor(s.host, s.tlsKwargs);
    const client = new ldap.Client({
      url: s.url,
      connectTimeout: 10_000,
      timeout: 30_000,
      ...(s.tlsStrategy === 'on_connect' ? { tlsOptions } : {}),
    });
    const conn = new LdapConnection(client, s);
    if (s.tlsStrategy === 'before_bind') {
      try {
        await client.startTLS({ ...tlsOptions });
      } catch (e) {
        await conn.close();
        throw unavailable(s, 'StartTLS', e);
      }
    }
    return conn;
  }

  /**
   * Simple bind. Returns null when bound, else why the server refused the bind (wrong password,
   * no such DN, invalid DN: ldap3's LDAPBindError). Throws HubError LABHUB_ERR_LDAP when the
   * server cannot be asked (connection, TLS, busy or unavailable).
   */
  async bind(dn: string, password: string): Promise<string | null> {
    // ldapts reads these bind "DNs" as SASL mechanism names: never bind with one.
    if (['EXTERNAL', 'PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-1'].includes(dn))
      return 'a SASL mechanism name is not a DN';
    try {
      await this.client.bind(dn, password);
      return null;
    } catch (e) {
      // 51 busy, 52 unavailable: the server cannot answer, which is not a refusal.
      if (e instanceof ldap.ResultCodeError && e.code !== 51 && e.code !== 52)
        return `result ${e.code} ${e.message}`;
      throw unavailable(this.s, `bind`, e);
    }
  }

  /**
   * Search; a base that does not exist or is not a DN gives no entries (as ldap3's search does). Throws
   * HubError LABHUB_ERR_LDAP for any other failure.
   */
  async search(
    base: string,
    scope: 'base' | 'sub',
    filter: string,
    attributes: string[],
  ): Promise<Entry[]> {
    try {
      const r = await this.client.search(base, { scope, filter, attributes });
      return r.searchEntries;
    } catch (e) {
      // 32 no such object, 34 invalid DN (e.g. the base is an AD user principal name).
      if (e instanceof ldap.NoSuchObjectError || e instanceof ldap.InvalidDNSyntaxError) return [];
      throw unavailable(this.s, `search under ${JSON.stringify(base)} for ${filter}`, e);
    }
  }

  /** Unbind and close; never throws. */
  async close(): Promise<void> {
    try {
      await this.client.unbind();
    } catch {
      /* already closed */
    }
  }
}

/** The values of an attribute of an entry (attribute names compared case-insensitively). */
export function attributeValues(entry: Entry, name: string): string[] | undefined {
  const key = Object.keys(entry).find((k) => k !== 'dn' && k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return undefined;
  const v = entry[key];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('base64') : String(x)));
}
