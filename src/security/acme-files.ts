/**
 * Where automatic HTTPS (Labhub.letsencrypt) keeps its files, and the status record that
 * `labhub doctor` and the admin page read. Every file is 0600 in a 0700 directory (the account
 * key lets anyone revoke or order certificates for the domains; the certificate key lets anyone
 * impersonate the hub): written through {@link writePrivateFile}, so never wider even for a moment.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writePrivateFile } from './private-files.js';

/** The files of one ACME state directory. */
export interface AcmeFiles {
  dir: string;
  /** The ACME account's private key (PEM). */
  accountKey: string;
  /** The certificate chain the proxy serves (leaf first). */
  cert: string;
  /** Its private key. */
  key: string;
  /** {@link AcmeStatus} as JSON. */
  status: string;
}

/** Labhub.letsencrypt.state_dir, or `acme/` next to the cookie secret. */
export function acmeFiles(stateDir: string | null, cookieSecretFile: string): AcmeFiles {
  const dir = resolve(stateDir ?? join(dirname(resolve(cookieSecretFile)), 'acme'));
  return {
    dir,
    accountKey: join(dir, 'account-key.pem'),
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    status: join(dir, 'status.json'),
  };
}

/** What the last certificate attempt did (written after every attempt). */
export interface AcmeStatus {
  domains: readonly string[];
  directoryUrl: string;
  /** `valid`: a CA-issued certificate is served; `pending`: only the placeholder so far; `failing`: the last attempt failed. */
  state: 'valid' | 'pending' | 'failing';
  /** Expiry of the certificate being served (ISO), and who issued it. */
  notAfter: string | null;
  issuer: string | null;
  lastSuccess: string | null;
  lastAttempt: string | null;
  lastError: string | null;
  /** Failures in a row since the last success. */
  failures: number;
  /** When the next attempt is due (ISO): renewal time, or the back-off after a failure. */
  nextAttempt: string | null;
  /** The CA said we hit a rate limit (the next attempt waits for its Retry-After). */
  rateLimited: boolean;
}

export function readAcmeStatus(files: AcmeFiles): AcmeStatus | null {
  try {
    return JSON.parse(readFileSync(files.status, 'utf8')) as AcmeStatus;
  } catch {
    return null;
  }
}

export function writeAcmeStatus(files: AcmeFiles, s: AcmeStatus): void {
  writePrivateFile(files.status, `${JSON.stringify(s, null, 2)}\n`);
}

/** The served certificate: expiry, issuer, whether a CA issued it (not our placeholder), key match. */
export interface ServedCert {
  notBefore: Date;
  notAfter: Date;
  issuer: string;
  names: string[];
  caIssued: boolean;
  keyMatches: boolean;
}

export function readServedCert(files: AcmeFiles): ServedCert | null {
  try {
    const x = new X509Certificate(readFileSync(files.cert));
    const key = createPrivateKey(readFileSync(files.key));
    const names = (x.subjectAltName ?? '')
      .split(/,\s*/)
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4));
    return {
      notBefore: new Date(x.validFrom),
      notAfter: new Date(x.validTo),
      issuer: x.issuer.replace(/\n/g, ', '),
      names,
      caIssued: !(x.issuer === x.subject && x.verify(x.publicKey)),
      keyMatches: x.checkPrivateKey(key),
    };
  } catch {
    return null;
  }
}
