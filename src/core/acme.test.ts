import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, createAcmeManager, renewalDue } from './acme.js';
import { isHubError } from '../errors.js';

const DAY = 86400_000;

test('back-off after failures: 5 min doubling, at most a day', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffMs(n) / 60_000),
    [5, 10, 20, 40],
  );
  assert.equal(backoffMs(30), DAY);
});

test('renewal is due renew_days before expiry, or after two thirds of a short life', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const ninety = new Date(from.getTime() + 90 * DAY);
  assert.equal(renewalDue(from, ninety, 30).toISOString(), '2026-03-02T00:00:00.000Z');
  const six = new Date(from.getTime() + 6 * DAY);
  assert.equal(renewalDue(from, six, 30).toISOString(), '2026-01-05T00:00:00.000Z');
});

const acme = {
  email: '',
  domains: ['hub.example.org'],
  directoryUrl: 'https://acme.example/dir',
  directoryCaFile: '',
  renewDays: 30,
  challenge: 'http-01' as const,
};
const files = { dir: '/x', accountKey: '/x/a', cert: '/x/c', key: '/x/k', status: '/x/s' };
const proxy = {
  putChallenge: () => Promise.resolve(),
  deleteChallenge: () => Promise.resolve(),
  reloadTls: () => Promise.resolve({ notAfter: '' }),
};
const log = {
  info() {},
  warn() {},
  error() {},
  debug(m: string) {
    if (process.env.ACME_DEBUG) console.log(m);
  },
};

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isHubError(e));
    assert.equal(e.code, 'LABHUB_ERR_CONFIG');
    return e.userMessage;
  }
  assert.fail('not refused');
}

test('letsencrypt with ssl_cert/ssl_key or a self-signed certificate is refused, naming both', () => {
  const m = refusal(() =>
    createAcmeManager(
      { acme, sslCert: '/c.pem', sslKey: null, generateSelfSignedCert: true },
      files,
      proxy,
      log,
    ),
  );
  assert.match(m, /JupyterHub\.ssl_cert and Labhub\.generate_self_signed_cert/);
});

test('letsencrypt domains must be names HTTP-01 can validate', () => {
  for (const d of ['*.example.org', '10.0.0.1', 'hub.example.org:8443', 'localhost']) {
    const m = refusal(() =>
      createAcmeManager(
        {
          acme: { ...acme, domains: [d] },
          sslCert: null,
          sslKey: null,
          generateSelfSignedCert: false,
        },
        files,
        proxy,
        log,
      ),
    );
    assert.ok(m.includes(JSON.stringify(d)), m);
  }
  assert.ok(
    createAcmeManager(
      { acme, sslCert: null, sslKey: null, generateSelfSignedCert: false },
      files,
      proxy,
      log,
    ),
  );
});

test('a CA rate limit (429 rateLimited, Retry-After) is recorded and waited for; no new request before it', async () => {
  const { createServer } = await import('node:http');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { acmeFiles } = await import('../security/acme-files.js');
  let base = '';
  const seen: string[] = [];
  // The smallest ACME server that refuses every account with Let's Encrypt's rate-limit answer.
  const ca = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/dir') {
      res.setHeader('content-type', 'application/json');
      return res.end(
        JSON.stringify({
          newNonce: `${base}/nonce`,
          newAccount: `${base}/acct`,
          newOrder: `${base}/order`,
        }),
      );
    }
    res.setHeader('replay-nonce', `n${seen.length}`);
    if (req.url === '/nonce') return res.writeHead(204).end();
    res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '7200' });
    res.end(
      JSON.stringify({
        type: 'urn:ietf:params:acme:error:rateLimited',
        detail: 'too many new registrations from this IP',
        status: 429,
      }),
    );
  });
  await new Promise<void>((r) => ca.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(ca.address() as { port: number }).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'labhub-acme-rl-'));
  try {
    const m = createAcmeManager(
      {
        acme: { ...acme, directoryUrl: `${base}/dir` },
        sslCert: null,
        sslKey: null,
        generateSelfSignedCert: false,
      },
      acmeFiles(dir, join(dir, 'cookie_secret')),
      proxy,
      log,
    );
    await m.preparePlaceholder();
    const before = Date.now();
    const s = await m.renewNow(false);
    assert.equal(s.state, 'failing');
    assert.equal(s.rateLimited, true);
    assert.equal(s.failures, 1);
    assert.match(s.lastError ?? '', /too many new registrations/);
    const wait = Date.parse(s.nextAttempt!) - before;
    assert.ok(wait >= 7200_000 && wait < 7300_000, `waits the CA's Retry-After, got ${wait} ms`);
    const n = seen.length;
    const again = await m.renewNow(false);
    assert.equal(seen.length, n, 'no request to the CA before the wait is over');
    assert.equal(again.nextAttempt, s.nextAttempt);
  } finally {
    ca.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
