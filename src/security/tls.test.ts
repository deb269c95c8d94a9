import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import {
  checkConfiguredKey,
  ensureSelfSignedCert,
  generateSelfSignedCert,
  prepareTls,
  SELF_SIGNED_CERT_FILE,
} from './tls.js';

async function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-tls-unit-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ensureSelfSignedCert: creates, then reuses while valid; renews one that expires soon', () =>
  withDir(async (dir) => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    const a = await ensureSelfSignedCert(cert, key);
    assert.equal(a.created, true);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const b = await ensureSelfSignedCert(cert, key);
    assert.equal(b.created, false);
    assert.equal(b.fingerprint256, a.fingerprint256);
    // A self-signed certificate valid for 10 more days is renewed (renewDays 30).
    const short = await generateSelfSignedCert({ days: 10 });
    writeFileSync(cert, short.certPem);
    writeFileSync(key, short.keyPem);
    const c = await ensureSelfSignedCert(cert, key);
    assert.equal(c.created, true);
    assert.match(c.reason, /expires/);
    assert.notEqual(c.fingerprint256, short.fingerprint256);
  }));

test('ensureSelfSignedCert under umask 022: a new key is 0600 even over a readable file, and a kept readable key is made 0600 and reported', () =>
  withDir(async (dir) => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    const old = process.umask(0o022);
    try {
      writeFileSync(key, 'not a key');
      chmodSync(key, 0o644);
      assert.equal((await ensureSelfSignedCert(cert, key)).created, true);
      assert.equal(statSync(key).mode & 0o777, 0o600, 'a regenerated key');
      assert.equal(statSync(cert).mode & 0o777, 0o644, 'the certificate is public');
      chmodSync(key, 0o644);
      const kept = await ensureSelfSignedCert(cert, key);
      assert.equal(kept.created, false);
      assert.deepEqual(kept.tightened, { file: key, oldMode: 0o644, newMode: 0o600 });
      assert.equal(statSync(key).mode & 0o777, 0o600, 'a kept key');
      const warnings: string[] = [];
      chmodSync(key, 0o640);
      await prepareTls({
        sslCert: cert,
        sslKey: key,
        generate: true,
        cookieSecretFile: join(dir, 'cookie_secret'),
        log: { info() {}, warn: (m) => warnings.push(m) },
      });
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(
        warnings[0]!,
        new RegExp(`^The TLS key ${key} .*mode 640\\); changed it to 600`),
      );
    } finally {
      process.umask(old);
    }
  }));

test('a configured ssl_key that everyone may read loses the "others" bits; one shared with its group is only warned about', () =>
  withDir(async (dir) => {
    const key = join(dir, 'privkey.pem');
    writeFileSync(key, (await generateSelfSignedCert()).keyPem);
    chmodSync(key, 0o644);
    const [w] = checkConfiguredKey(key);
    assert.match(w!, /JupyterHub\.ssl_key\) .*mode 644\); changed it to 640/);
    assert.equal(statSync(key).mode & 0o777, 0o640);
    const [g] = checkConfiguredKey(key);
    assert.match(g!, /readable by its group .*mode 640.*chmod 600 /);
    assert.equal(statSync(key).mode & 0o777, 0o640, 'left to the operator');
    chmodSync(key, 0o600);
    assert.deepEqual(checkConfiguredKey(key), []);
  }));

test('ensureSelfSignedCert: a key that does not match is replaced; unreadable PEM too', () =>
  withDir(async (dir) => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    writeFileSync(cert, (await generateSelfSignedCert()).certPem);
    writeFileSync(key, (await generateSelfSignedCert()).keyPem);
    assert.match((await ensureSelfSignedCert(cert, key)).reason, /does not belong/);
    writeFileSync(cert, 'not a certificate');
    assert.match((await ensureSelfSignedCert(cert, key)).reason, /cannot be read as PEM/);
    assert.ok(
      new X509Certificate(readFileSync(cert)).verify(
        new X509Certificate(readFileSync(cert)).publicKey,
      ),
    );
  }));

test('ensureSelfSignedCert never replaces a certificate someone else issued, even an expiring one', () =>
  withDir(async (dir) => {
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
    const r = await ensureSelfSignedCert(join(dir, 'leaf.pem'), join(dir, 'leaf.key'));
    assert.equal(r.created, false);
    assert.match(r.reason, /not self-signed/);
    assert.equal(readFileSync(join(dir, 'leaf.pem'), 'utf8'), before);
  }));

test('prepareTls: plain HTTP, configured files, half-configured, and generated next to the cookie secret', () =>
  withDir(async (dir) => {
    const base = { generate: false, cookieSecretFile: join(dir, 'secret') };
    assert.equal(await prepareTls({ ...base, sslCert: null, sslKey: null }), null);
    await assert.rejects(
      prepareTls({ ...base, sslCert: join(dir, 'x.pem'), sslKey: null }),
      (e) =>
        isHubError(e) &&
        /needs both JupyterHub\.ssl_cert and JupyterHub\.ssl_key/.test(e.userMessage),
    );
    await assert.rejects(
      prepareTls({ ...base, sslCert: join(dir, 'x.pem'), sslKey: join(dir, 'y.pem') }),
      (e) => isHubError(e) && /ssl_cert = .*x\.pem cannot be read \(ENOENT\)/.test(e.userMessage),
    );
    const lines: string[] = [];
    const g = await prepareTls({
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
    assert.deepEqual(await prepareTls({ ...base, sslCert: g!.certFile, sslKey: g!.keyFile }), g);
  }));
