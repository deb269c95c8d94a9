import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acmeChecks } from './doctor-acme.js';
import { acmeFiles, writeAcmeStatus } from '../security/acme-files.js';
import { makePrivateDirs } from '../security/private-files.js';

const acme = {
  email: '',
  domains: ['hub.example.org'],
  directoryUrl: 'https://acme.example/dir',
  directoryCaFile: '',
  renewDays: 30,
  challenge: 'http-01' as const,
  stateDir: '',
};

test('doctor: before the first start, after failures (rate-limited), and the port', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-doctor-acme-'));
  try {
    const s = {
      acme,
      cookieSecretFile: join(dir, 'cookie_secret'),
      httpRedirectPort: 8080,
      port: 8443,
    };
    const [first] = acmeChecks(s);
    assert.equal(first?.status, 'ok');
    assert.match(first.detail, /will be requested from https:\/\/acme\.example\/dir/);
    const files = acmeFiles(null, s.cookieSecretFile);
    makePrivateDirs(files.dir);
    writeAcmeStatus(files, {
      domains: acme.domains,
      directoryUrl: acme.directoryUrl,
      state: 'failing',
      notAfter: null,
      issuer: null,
      lastSuccess: null,
      lastAttempt: '2026-01-01T00:00:00Z',
      lastError: 'too many certificates already issued',
      failures: 3,
      nextAttempt: '2026-01-01T03:00:00Z',
      rateLimited: true,
    });
    const [failing] = acmeChecks(s);
    assert.equal(failing?.status, 'error');
    assert.match(failing.detail, /3 attempt\(s\) failed, the last: too many certificates/);
    assert.match(failing.detail, /rate-limited/);
    assert.match(failing.fix ?? '', /port 80 from the internet reaches port 8080/);
    // TLS-ALPN-01 is answered on the HTTPS port (JupyterHub.port), where the CA reaches 443.
    const [alpn] = acmeChecks({ ...s, acme: { ...acme, challenge: 'tls-alpn-01' } });
    assert.match(
      alpn?.fix ?? '',
      /port 443 from the internet reaches port 8443 here \(JupyterHub\.port/,
    );
    if (process.getuid?.() !== 0) {
      const low = acmeChecks({ ...s, httpRedirectPort: 0 });
      assert.ok(low.some((c) => c.name === 'http_redirect_port' && c.status === 'error'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
