import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import {
  ensureSelfSignedCert,
  generateSelfSignedCert,
  prepareTls,
  SELF_SIGNED_CERT_FILE,
} from './tls.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-tls-unit-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ensureSelfSignedCert: creates, then reuses while valid; renews one that expires soon', () =>
  withDir((dir) => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    const a = ensureSelfSignedCert(cert, key);
    assert.equal(a.created, true);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const b = ensureSelfSignedCert(cert, key);
    assert.equal(b.created, false);
    assert.equal(b.fingerprint256, a.fingerprint256);
    // A self-signed certificate valid for 10 more days is renewed (renewDays 30).
    const short = generateSelfSignedCert({ days: 10 });
    writeFileSync(cert, short.certPem);
    writeFileSync(key, short.keyPem);
    const c = ensureSelfSignedCert(cert, key);
    assert.equal(c.created, true);
    assert.match(c.reason, /expires/);
    assert.notEqual(c.fingerprint256, short.fingerprint256);
  }));

test('ensureSelfSignedCert: a key that does not match is replaced; unreadable PEM too', () =>
  withDir((dir) => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    writeFileSync(cert, generateSelfSignedCert().certPem);
    writeFileSync(key, generateSelfSignedCert().keyPem);
    assert.match(ensureSelfSignedCert(cert, key).reason, /does not belong/);
    writeFileSync(cert, 'not a certificate');
    assert.match(ensureSelfSignedCert(cert, key).reason, /cannot be read as PEM/);
    assert.ok(
      new X509Certificate(readFileSync(cert)).verify(
        new X509Certificate(readFileSync(cert)).publicKey,
      ),
    );
  }));

test('ensureSelfSignedCert never replaces a certificate someone else issued, even an expiring one', () =>
  withDir((dir) => {
    const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    o([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '5',
      '-subj',
      '/CN=test CA',
    ]);
    o([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/CN=hub.example.org',
    ]);
    o([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '5',
    ]);
    const before = readFileSync(join(dir, 'leaf.pem'), 'utf8');
    const r = ensureSelfSignedCert(join(dir, 'leaf.pem'), join(dir, 'leaf.key'));
    assert.equal(r.created, false);
    assert.match(r.reason, /not self-signed/);
    assert.equal(readFileSync(join(dir, 'leaf.pem'), 'utf8'), before);
  }));

test('prepareTls: plain HTTP, configured files, half-configured, and generated next to the cookie secret', () =>
  withDir((dir) => {
    const base = { generate: false, cookieSecretFile: join(dir, 'secret') };
    assert.equal(prepareTls({ ...base, sslCert: null, sslKey: null }), null);
    assert.throws(
      () => prepareTls({ ...base, sslCert: join(dir, 'x.pem'), sslKey: null }),
      (e) =>
        isHubError(e) &&
        /needs both JupyterHub\.ssl_cert and JupyterHub\.ssl_key/.test(e.userMessage),
    );
    assert.throws(
      () => prepareTls({ ...base, sslCert: join(dir, 'x.pem'), sslKey: join(dir, 'y.pem') }),
      (e) => isHubError(e) && /ssl_cert = .*x\.pem cannot be read \(ENOENT\)/.test(e.userMessage),
    );
    const lines: string[] = [];
    const g = prepareTls({
      ...base,
      generate: true,
      sslCert: null,
      sslKey: null,
      log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
    });
    assert.equal(g?.certFile, join(dir, SELF_SIGNED_CERT_FILE));
    assert.match(
      lines.join('\n'),
      /wrote a new self-signed certificate .* SHA-256 fingerprint is [0-9A-F:]{95}/,
    );
    assert.deepEqual(prepareTls({ ...base, sslCert: g!.certFile, sslKey: g!.keyFile }), g);
  }));
