/** TLS material from the CHP-style --ssl-*, --api-ssl-* and --client-ssl-* flags. */
import fs from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

type Flags = Record<string, unknown>;

function read(flag: string, file: unknown): Buffer {
  try {
    return fs.readFileSync(String(file));
  } catch (e) {
    throw new Error(
      `${flag}: cannot read '${String(file)}' (${(e as Error).message}); give a readable PEM file.`,
    );
  }
}

function key(prefix: string, name: string): string {
  return prefix ? prefix + name[0]!.toUpperCase() + name.slice(1) : name;
}

/** Server TLS options for prefix '' (public listener) or 'api'; undefined when no key/cert given. */
export function buildTls(a: Flags, prefix: '' | 'api'): TlsOptions | undefined {
  const flag = (n: string) => `--${prefix ? prefix + '-' : ''}ssl-${n}`;
  const k = a[key(prefix, 'sslKey')];
  const c = a[key(prefix, 'sslCert')];
  if (!k && !c) return undefined;
  const o: TlsOptions = {};
  if (k) o.key = read(flag('key'), k);
  if (c) o.cert = read(flag('cert'), c);
  const ca = a[key(prefix, 'sslCa')];
  if (ca) o.ca = read(flag('ca'), ca);
  const pass = prefix
    ? process.env.CONFIGPROXY_API_SSL_KEY_PASSPHRASE
    : process.env.CONFIGPROXY_SSL_KEY_PASSPHRASE;
  if (pass) o.passphrase = pass;
  if (a.sslDhparam) o.dhparam = read('--ssl-dhparam', a.sslDhparam);
  if (a.sslProtocol) o.secureProtocol = `${String(a.sslProtocol)}_method`;
  if (a.sslCiphers) o.ciphers = String(a.sslCiphers);
  o.honorCipherOrder = true;
  o.requestCert = !!a[key(prefix, 'sslRequestCert')];
  o.rejectUnauthorized = !!a[key(prefix, 'sslRejectUnauthorized')];
  return o;
}

/** Client TLS (proxy → https targets) from --client-ssl-key/-cert/-ca. */
export function clientTlsFrom(a: Flags): SecureContextOptions | undefined {
  if (!a.clientSslKey && !a.clientSslCert && !a.clientSslCa) return undefined;
  const o: SecureContextOptions = {};
  if (a.clientSslKey) o.key = read('--client-ssl-key', a.clientSslKey);
  if (a.clientSslCert) o.cert = read('--client-ssl-cert', a.clientSslCert);
  if (a.clientSslCa) o.ca = read('--client-ssl-ca', a.clientSslCa);
  return o;
}
