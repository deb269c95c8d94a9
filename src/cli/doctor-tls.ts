/** `labhub doctor`: HTTPS files (readable, a matching pair, not expired) or what will be generated. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Settings } from '../core/settings.js';
import { SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from '../security/tls.js';
import type { CheckResult } from './doctor-checks.js';
import { isRoot } from './doctor-system.js';
import { acmeChecks } from './doctor-acme.js';

/** TLS: files readable, a matching pair, not expired, naming this host; or what will be generated. */
export function tlsChecks(s: Settings): CheckResult[] {
  if (s.acme.domains.length) return acmeChecks(s);
  const out: CheckResult[] = [];
  const generate = s.generateSelfSignedCert;
  const redirect = s.httpRedirectPort;
  if (!s.sslCert && !s.sslKey && !generate) {
    out.push({
      name: 'HTTPS',
      status: 'warn',
      detail: 'the public port serves plain HTTP: passwords cross the network in clear text',
      fix: "Set Labhub.letsencrypt.domains (and email) for a certificate from Let's Encrypt, or JupyterHub.ssl_cert and ssl_key, or Labhub.generate_self_signed_cert = true; or put labhub behind a TLS reverse proxy.",
    });
    if (redirect)
      out.push({
        name: 'http_redirect_port',
        status: 'warn',
        detail: `Labhub.http_redirect_port = ${redirect} does nothing without HTTPS`,
        fix: 'Enable HTTPS or remove http_redirect_port.',
      });
    return out;
  }
  if (generate) {
    const dir = dirname(resolve(s.cookieSecretFile));
    const cert = s.sslCert ?? `${dir}/${SELF_SIGNED_CERT_FILE}`;
    const key = s.sslKey ?? `${dir}/${SELF_SIGNED_KEY_FILE}`;
    if (!existsSync(cert) || !existsSync(key)) {
      let d = dirname(resolve(cert));
      while (!existsSync(d)) d = dirname(d);
      try {
        accessSync(d, constants.W_OK);
        out.push({
          name: 'HTTPS',
          status: 'ok',
          detail: `a self-signed certificate will be created at ${cert} on the first start (browsers warn about it)`,
        });
      } catch {
        out.push({
          name: 'HTTPS',
          status: 'error',
          detail: `a self-signed certificate should be created at ${cert}, but ${d} is not writable`,
          fix: 'Run labhub where it may write, or set JupyterHub.ssl_cert/ssl_key to writable paths.',
        });
      }
      return out;
    }
    out.push(...certFileChecks(cert, key, true));
  } else if (!s.sslCert || !s.sslKey) {
    out.push({
      name: 'HTTPS',
      status: 'error',
      detail: `only JupyterHub.${s.sslCert ? 'ssl_cert' : 'ssl_key'} is set; HTTPS needs both`,
      fix: 'Set both ssl_cert and ssl_key, or Labhub.generate_self_signed_cert = true.',
    });
  } else out.push(...certFileChecks(s.sslCert, s.sslKey, false));
  if (redirect && redirect < 1024 && !isRoot())
    out.push({
      name: 'http_redirect_port',
      status: 'error',
      detail: `port ${redirect} needs root`,
      fix: 'Run labhub as root, or choose a port ≥ 1024.',
    });
  return out;
}

function certFileChecks(certFile: string, keyFile: string, generated: boolean): CheckResult[] {
  const out: CheckResult[] = [];
  let cert: X509Certificate | null = null;
  for (const [k, f] of [
    ['ssl_cert', certFile],
    ['ssl_key', keyFile],
  ] as const) {
    try {
      accessSync(f, constants.R_OK);
    } catch {
      out.push({
        name: k,
        status: 'error',
        detail: `${f} (JupyterHub.${k}) cannot be read`,
        fix: 'Check the path and its permissions (labhub reads it at start, as root).',
      });
      return out;
    }
  }
  try {
    cert = new X509Certificate(readFileSync(certFile));
  } catch (e) {
    out.push({
      name: 'ssl_cert',
      status: 'error',
      detail: `${certFile} is not a PEM certificate (${(e as Error).message})`,
      fix: 'Point JupyterHub.ssl_cert at the PEM file (-----BEGIN CERTIFICATE-----), with the chain appended for a CA-issued certificate.',
    });
    return out;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) {
      out.push({
        name: 'ssl_key',
        status: 'error',
        detail: `${keyFile} is not the key of ${certFile}`,
        fix: 'Use the key that was generated with this certificate.',
      });
      return out;
    }
  } catch (e) {
    out.push({
      name: 'ssl_key',
      status: 'error',
      detail: `${keyFile} is not a PEM private key (${(e as Error).message})`,
      fix: 'Point JupyterHub.ssl_key at the PEM key file (an encrypted key is not supported: decrypt it with openssl pkey).',
    });
    return out;
  }
  const until = new Date(cert.validTo);
  const days = Math.floor((until.getTime() - Date.now()) / 86400_000);
  if (days < 0)
    out.push({
      name: 'ssl_cert',
      status: generated ? 'warn' : 'error',
      detail: `${certFile} expired on ${until.toISOString()}`,
      fix: generated
        ? 'labhub renews its self-signed certificate at start.'
        : 'Renew the certificate (certbot renew) and restart labhub.',
    });
  else if (days < 21)
    out.push({
      name: 'ssl_cert',
      status: 'warn',
      detail: `${certFile} expires in ${days} day(s)`,
      fix: generated
        ? 'labhub renews it at the next start.'
        : 'Renew it (certbot renew) and restart labhub.',
    });
  else
    out.push({
      name: 'ssl_cert',
      status: 'ok',
      detail: `${certFile}: ${cert.subject.replace(/\n/g, ', ')}, valid until ${until.toISOString().slice(0, 10)}${cert.issuer === cert.subject ? ' (self-signed: browsers warn)' : ''}`,
    });
  return out;
}
