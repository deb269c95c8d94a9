/**
 * Self-signed TLS certificates for the public listener (`Labhub.generate_self_signed_cert`).
 * JupyterHub has no such option; people ran openssl by hand. labhub makes an ECDSA P-256 key and
 * an X.509 v3 certificate with the `selfsigned` package (no openssl binary needed).
 *
 * The certificate names this machine: its hostname, `localhost`, 127.0.0.1, ::1 and the addresses
 * of its network interfaces, so a browser shows one clear warning (self-signed) and not a
 * name mismatch as well.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { isIP } from 'node:net';
import { HubError } from '../errors.js';
import {
  makePrivateDirs,
  modeText,
  tightenFile,
  tightenedMessage,
  writePrivateFile,
  type Tightened,
} from './private-files.js';

/** Options of {@link generateSelfSignedCert}. */
export interface SelfSignedOptions {
  /** Subject common name (default: this machine's hostname, or `localhost`). */
  commonName?: string;
  /** DNS names and IP addresses for subjectAltName (default: {@link defaultAltNames}). */
  altNames?: string[];
  /** Validity in days from now (default 825, the longest browsers accept for a leaf). */
  days?: number;
}

/** A generated certificate and its private key, both PEM. */
export interface GeneratedCert {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as shown by browsers (AA:BB:…). */
  fingerprint256: string;
  notAfter: Date;
}

/** Names and addresses of this machine: hostname, localhost, loopback and interface addresses. */
export function defaultAltNames(): string[] {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1']);
  const h = hostname();
  if (/^[A-Za-z0-9.-]+$/.test(h)) names.add(h.toLowerCase());
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === 'IPv6' && a.address.startsWith('fe80'))) continue;
      names.add(a.address.split('%')[0]!);
    }
  }
  return [...names];
}

const dnsName =
  /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Create a self-signed ECDSA P-256 certificate (SHA-256, v3, not a CA, serverAuth) for the given
 * names with the `selfsigned` package. No files are touched.
 * @throws HubError LABHUB_ERR_CONFIG when a name is neither a DNS name nor an IP address.
 */
export async function generateSelfSignedCert(opts: SelfSignedOptions = {}): Promise<GeneratedCert> {
  const altNames = opts.altNames ?? defaultAltNames();
  const cn = opts.commonName ?? altNames.find((n) => !isIP(n) && n !== 'localhost') ?? 'localhost';
  const sans = altNames.map((n) => {
    if (isIP(n)) return { type: 7 as const, ip: n };
    if (!dnsName.test(n))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Cannot put ${JSON.stringify(n)} in a certificate: expected a DNS name (like hub.example.org) or an IP address.`,
      );
    return { type: 2 as const, value: n };
  });
  const now = Date.now();
  const notAfter = new Date(now + (opts.days ?? 825) * 86400 * 1000);
  // Loaded when used: selfsigned pulls in an X.509 library that costs start-up time and memory.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: cn.slice(0, 64) }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60 * 60 * 1000), // an hour back: tolerate clock skew
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: sans },
    ],
  });
  // PKCS#8 PEM whatever the library's choice, as node and the proxy read it.
  const keyPem = createPrivateKey(pems.private).export({ type: 'pkcs8', format: 'pem' }).toString();
  const x = new X509Certificate(pems.cert);
  if (!x.verify(x.publicKey) || !x.checkPrivateKey(createPrivateKey(keyPem)))
    throw new Error('generated certificate does not verify'); // cannot happen
  return {
    certPem: pems.cert,
    keyPem,
    fingerprint256: x.fingerprint256,
    notAfter: new Date(x.validTo),
  };
}

/** Result of {@link ensureSelfSignedCert}. */
export interface SelfSignedFiles {
  certFile: string;
  keyFile: string;
  /** true when the files were (re)written now. */
  created: boolean;
  fingerprint256: string;
  notAfter: Date;
  /** Why they were (re)written, or why the existing ones were kept. */
  reason: string;
  /** The kept key was readable by group or others and was made 0600 now. */
  tightened?: Tightened;
}

/**
 * Use the certificate at `certFile`/`keyFile` if both exist, match and are valid for another
 * `renewDays` (default 30); otherwise write a new self-signed pair there (the key 0600 whatever
 * the umask, never in a wider file even for a moment; directories labhub creates 0700). A kept
 * key readable by group or others is made 0600. A certificate that is not self-signed is never
 * replaced.
 * @throws HubError LABHUB_ERR_CONFIG when the files cannot be written.
 */
export async function ensureSelfSignedCert(
  certFile: string,
  keyFile: string,
  opts: SelfSignedOptions & { renewDays?: number } = {},
): Promise<SelfSignedFiles> {
  let reason = 'no certificate yet';
  if (existsSync(certFile) && existsSync(keyFile)) {
    try {
      const x = new X509Certificate(readFileSync(certFile));
      const key = createPrivateKey(readFileSync(keyFile));
      const notAfter = new Date(x.validTo);
      const fresh = notAfter.getTime() - Date.now() > (opts.renewDays ?? 30) * 86400 * 1000;
      const selfSigned = x.issuer === x.subject && x.verify(x.publicKey);
      // Never replace a certificate someone else issued (a real one that expires is the operator's to renew).
      if (!selfSigned)
        return {
          ...keptKey(keyFile),
          certFile,
          keyFile,
          created: false,
          fingerprint256: x.fingerprint256,
          notAfter,
          reason: `not self-signed, used as it is (valid until ${notAfter.toISOString()})`,
        };
      if (!x.checkPrivateKey(key)) reason = 'the key does not belong to the certificate';
      else if (!fresh) reason = `the certificate expires ${notAfter.toISOString()}`;
      else
        return {
          ...keptKey(keyFile),
          certFile,
          keyFile,
          created: false,
          fingerprint256: x.fingerprint256,
          notAfter,
          reason: `valid until ${notAfter.toISOString()}`,
        };
    } catch (e) {
      reason = `the existing files cannot be read as PEM (${(e as Error).message})`;
    }
  }
  const gen = await generateSelfSignedCert(opts);
  try {
    writePrivateFile(keyFile, gen.keyPem);
    makePrivateDirs(dirname(certFile));
    writeFileSync(certFile, gen.certPem, { mode: 0o644 });
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Cannot write the self-signed certificate to ${certFile} / ${keyFile}: ${(e as Error).message}. Check that the directory is writable, or set JupyterHub.ssl_cert and ssl_key to other paths.`,
    );
  }
  return {
    certFile,
    keyFile,
    created: true,
    fingerprint256: gen.fingerprint256,
    notAfter: gen.notAfter,
    reason,
  };
}

/** A key labhub generated (or was told to generate at that path) is labhub's: make it 0600. */
function keptKey(keyFile: string): { tightened?: Tightened } {
  const t = tightenFile(keyFile);
  return t ? { tightened: t } : {};
}

/**
 * A configured key (JupyterHub.ssl_key) belongs to the operator: one that every account may read
 * loses the "others" bits; one only its group may read is left (Debian's ssl-cert group shares
 * keys on purpose) with a warning. Returns the warnings to log.
 */
export function checkConfiguredKey(keyFile: string): string[] {
  let st;
  try {
    st = statSync(keyFile);
  } catch {
    return [];
  }
  if (st.mode & 0o007) {
    const t = tightenFile(keyFile, 0o007);
    return t
      ? [
          tightenedMessage(
            'The TLS key (JupyterHub.ssl_key)',
            t,
            'Anyone who read it can impersonate this server: replace the certificate and key.',
          ),
        ]
      : [];
  }
  if (st.mode & 0o070)
    return [
      `The TLS key ${keyFile} (JupyterHub.ssl_key) is readable by its group (gid ${st.gid}, mode ${modeText(st.mode)}): every member can impersonate this server. If that group is not meant to share it, run: chmod 600 ${keyFile}`,
    ];
  return [];
}

/** Names of the generated files when JupyterHub.ssl_cert/ssl_key are not set. */
export const SELF_SIGNED_CERT_FILE = 'labhub-selfsigned-cert.pem';
export const SELF_SIGNED_KEY_FILE = 'labhub-selfsigned-key.pem';

/** Where `Labhub.generate_self_signed_cert` keeps its pair: ssl_cert/ssl_key, else beside the cookie secret. */
export function generatedTlsFiles(
  o: Pick<PrepareTlsOptions, 'sslCert' | 'sslKey' | 'cookieSecretFile'>,
): { certFile: string; keyFile: string } {
  const dir = dirname(resolvePath(o.cookieSecretFile));
  return {
    certFile: resolvePath(o.sslCert || `${dir}/${SELF_SIGNED_CERT_FILE}`),
    keyFile: resolvePath(o.sslKey || `${dir}/${SELF_SIGNED_KEY_FILE}`),
  };
}

/** Options of {@link prepareTls}. */
export interface PrepareTlsOptions {
  sslCert: string | null;
  sslKey: string | null;
  /** Labhub.generate_self_signed_cert */
  generate: boolean;
  /** JupyterHub.cookie_secret_file: generated files go next to it. */
  cookieSecretFile: string;
  log?: { info(msg: string): void; warn(msg: string): void };
}

/**
 * Decide the public listener's certificate: the configured files, or (with `generate`) a
 * self-signed pair created where they are missing. Returns null for plain HTTP.
 * @throws HubError LABHUB_ERR_CONFIG when only one of ssl_cert/ssl_key is set, or a configured
 *   file cannot be read (without `generate`), or generated files cannot be written.
 */
export async function prepareTls(
  o: PrepareTlsOptions,
): Promise<{ certFile: string; keyFile: string } | null> {
  if (!o.generate) {
    if (!o.sslCert && !o.sslKey) return null;
    if (!o.sslCert || !o.sslKey)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `HTTPS needs both JupyterHub.ssl_cert and JupyterHub.ssl_key, but only ${o.sslCert ? 'ssl_cert' : 'ssl_key'} is set. Set the other one, or set Labhub.generate_self_signed_cert = true to have labhub create both.`,
      );
    for (const [k, f] of [
      ['ssl_cert', o.sslCert],
      ['ssl_key', o.sslKey],
    ] as const) {
      try {
        readFileSync(f);
      } catch (e) {
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `JupyterHub.${k} = ${f} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Check the path and that labhub's user may read it, or set Labhub.generate_self_signed_cert = true for a self-signed certificate.`,
        );
      }
    }
    for (const w of checkConfiguredKey(o.sslKey)) o.log?.warn(w);
    return { certFile: o.sslCert, keyFile: o.sslKey };
  }
  const { certFile, keyFile } = generatedTlsFiles(o);
  const r = await ensureSelfSignedCert(certFile, keyFile);
  if (r.tightened)
    o.log?.warn(
      tightenedMessage(
        'The TLS key',
        r.tightened,
        'Anyone who read it can impersonate this server: delete it and the certificate to have labhub make a new pair.',
      ),
    );
  if (r.created) {
    o.log?.warn(
      `TLS: wrote a new self-signed certificate to ${certFile} (key ${keyFile}, mode 600; ${r.reason}). ` +
        `Browsers will warn once; its SHA-256 fingerprint is ${r.fingerprint256}. For a public server use a real certificate (e.g. Let's Encrypt) in JupyterHub.ssl_cert/ssl_key.`,
    );
  } else
    o.log?.info(
      `TLS: using the self-signed certificate ${certFile} (${r.reason}; SHA-256 ${r.fingerprint256})`,
    );
  return { certFile, keyFile };
}
