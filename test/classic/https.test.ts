// HTTPS terminated by labhub-proxy: JupyterHub.ssl_cert/ssl_key made by openssl (the proxy tests' helper);
// Labhub.generate_self_signed_cert (files created by the hub, reused on restart); and the
// plain-HTTP redirect port (Labhub.http_redirect_port → the proxy's --redirect-port).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestHub } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';
import { makeCert } from '../proxy/helpers/tls.js';
import {
  SELF_SIGNED_CERT_FILE,
  SELF_SIGNED_KEY_FILE,
  generateSelfSignedCert,
} from '../../src/security/tls.js';

/** GET over TLS trusting only `ca`; resolves status, body and the peer certificate's fingerprint. */
function httpsGet(
  url: string,
  ca: string,
): Promise<{
  status: number;
  body: string;
  fingerprint: string;
  protocol: string;
  cookies: string[];
}> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET' }, (res) => {
      let body = '';
      const sock = res.socket as import('node:tls').TLSSocket;
      const fingerprint = sock.getPeerCertificate().fingerprint256;
      const protocol = sock.getProtocol() ?? '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          fingerprint,
          protocol,
          cookies: res.headers['set-cookie'] ?? [],
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('ssl_cert/ssl_key from openssl: /hub/login answers over TLS through labhub-proxy, verified against the cert', async () => {
  // The proxy tests' openssl certificate for 127.0.0.1 (test/proxy/helpers/tls.ts).
  const { cert, key, ca } = makeCert();
  const t = await startTestHub({ config: { JupyterHub: { ssl_cert: cert, ssl_key: key } } });
  try {
    const https = t.url.replace('http:', 'https:');
    const r = await httpsGet(`${https}/hub/login`, ca.toString());
    assert.equal(r.status, 200);
    assert.match(r.body, /name="password"/);
    assert.equal(r.fingerprint, new X509Certificate(ca).fingerprint256);
    assert.match(r.protocol, /^TLSv1\.[23]$/);
    // The hub knows the browser is on https (X-Forwarded-Proto from the proxy): cookies are Secure.
    assert.ok(r.cookies.length > 0, 'the login page sets its XSRF cookie');
    for (const c of r.cookies) assert.match(c, /;\s*Secure/i, c);
    // Plain HTTP on the TLS port gets no page.
    const plain = await fetch(`${t.url}/hub/login`).then(
      (x) => x.status,
      () => 'refused',
    );
    assert.notEqual(plain, 200);
  } finally {
    await t.stop();
    rmSync(dirname(cert), { recursive: true, force: true });
  }
});

test('generate_self_signed_cert: the hub writes a cert and key (600) next to the cookie secret, serves them, reuses them; http_redirect_port redirects', async () => {
  const redirectPort = await freePort();
  const t = await startTestHub({
    config: { Labhub: { generate_self_signed_cert: true, http_redirect_port: redirectPort } },
  });
  try {
    const certFile = join(t.dir, SELF_SIGNED_CERT_FILE);
    const keyFile = join(t.dir, SELF_SIGNED_KEY_FILE);
    assert.ok(existsSync(certFile) && existsSync(keyFile));
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const pem = readFileSync(certFile, 'utf8');
    const x = new X509Certificate(pem);
    assert.ok(x.checkIP('127.0.0.1'), 'names 127.0.0.1');
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.issuer, x.subject, 'self-signed');

    const https = t.url.replace('http:', 'https:');
    const r = await httpsGet(`${https}/hub/login`, pem);
    assert.equal(r.status, 200);
    assert.equal(r.fingerprint, x.fingerprint256);

    const redirect = await fetch(`http://127.0.0.1:${redirectPort}/hub/login?next=%2Fhub%2Fhome`, {
      redirect: 'manual',
    });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `${https}/hub/login?next=%2Fhub%2Fhome`);

    // A restart keeps the same certificate (browsers' exceptions stay valid).
    await t.restart();
    assert.equal(readFileSync(certFile, 'utf8'), pem);
  } finally {
    await t.stop();
  }
});

test('generateSelfSignedCert: a valid X.509 v3 certificate that openssl accepts, with the names asked for', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-tlsgen-'));
  try {
    const g = await generateSelfSignedCert({
      altNames: ['hub.example.org', '10.1.2.3', 'fd00::2'],
      days: 10,
    });
    const x = new X509Certificate(g.certPem);
    assert.equal(x.subject, 'CN=hub.example.org');
    assert.equal(x.checkHost('hub.example.org'), 'hub.example.org');
    assert.ok(x.checkIP('10.1.2.3'));
    assert.ok(x.checkIP('fd00::2'));
    assert.equal(x.checkHost('other.example.org'), undefined);
    assert.equal(x.fingerprint256, g.fingerprint256);
    const certFile = join(dir, 'c.pem');
    execFileSync('sh', ['-c', `cat > ${certFile}`], { input: g.certPem });
    const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], {
      encoding: 'utf8',
    });
    assert.match(text, /Version: 3/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(
      execFileSync('openssl', ['verify', '-CAfile', certFile, certFile], { encoding: 'utf8' }),
      /OK/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
