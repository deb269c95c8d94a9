// Automatic HTTPS against a real ACME CA: Pebble (Let's Encrypt's test CA, pinned build from
// scripts/setup-ops.mjs) validates HTTP-01 on labhub-proxy's plain-HTTP port; the hub installs the
// certificate, serves it (HAProxy or the Node engine terminating TLS), renews it with the proxy
// reloading live (a keep-alive connection opened before the renewal keeps working, on its old
// certificate), and keeps every file 0600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { startTestHub } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';
import { startPebble } from '../helpers/pebble.js';
import { readAcmeStatus, acmeFiles } from '../../src/security/acme-files.js';
import { acmeChecks } from '../../src/cli/doctor-acme.js';
import { CookieClient } from '../helpers/cookie-client.js';

const DOMAIN = 'hub.labhub.test';

/** GET https://DOMAIN:port/path through `agent`, connecting to 127.0.0.1 and trusting only `ca`. */
function get(
  port: number,
  path: string,
  ca: string,
  agent: Agent,
): Promise<{ status: number; serial: string; issuer: string; reused: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, servername: DOMAIN, headers: { host: DOMAIN }, ca, agent },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            serial: peer.serialNumber,
            issuer: String(peer.issuer.CN ?? ''),
            reused: req.reusedSocket,
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Both data planes: HAProxy (the default engine where installed) gets the renewed certificate over
// its runtime API, the Node engine through its own TLS context.
for (const engine of ['haproxy', 'node'] as const)
  test(`Labhub.letsencrypt with --engine ${engine}: a certificate from Pebble over HTTP-01, served, renewed with a live reload, files 0600`, async () => {
    const port = await freePort();
    const redirectPort = await freePort();
    const pebble = await startPebble({ httpPort: redirectPort, tlsPort: port });
    let t;
    try {
      t = await startTestHub({
        config: {
          JupyterHub: { port },
          Authenticator: { admin_users: ['ada'] },
          Labhub: {
            proxy_engine: engine,
            http_redirect_port: redirectPort,
            letsencrypt: {
              email: 'ops@labhub.test',
              domains: [DOMAIN],
              directory_url: pebble.directoryUrl,
              directory_ca_file: pebble.caFile,
            },
          },
        },
      });
      const acme = t.hub.acme!;
      assert.ok(acme, 'the hub runs the ACME manager');
      const first = await acme.renewNow(false);
      assert.equal(first.state, 'valid', `first order failed: ${first.lastError}`);
      assert.equal(first.failures, 0);
      assert.ok(first.notAfter && Date.parse(first.notAfter) > Date.now() + 30 * 86400_000);
      assert.ok(
        first.nextAttempt && Date.parse(first.nextAttempt) > Date.now(),
        'renewal is scheduled',
      );

      const root = await pebble.issuingRoot();
      const keep = new Agent({ keepAlive: true, maxSockets: 1 });
      const a = await get(port, '/hub/login', root, keep);
      assert.equal(
        a.status,
        200,
        'the login page, over a certificate that chains to Pebble’s root',
      );
      assert.match(a.body, /name="password"/);
      assert.match(a.issuer, /Pebble/i);

      // The status, as labhub doctor and the admin page show it.
      const [check] = acmeChecks(t.hub.settings);
      assert.equal(check?.status, 'ok', check?.detail);
      assert.match(
        check.detail,
        new RegExp(`certificate for ${DOMAIN} from .*Pebble.*renewal from`),
      );
      const admin = new CookieClient(t.hubUrl);
      await admin.login('ada', 'pw');
      const page = await (await admin.fetch('/hub/admin')).text();
      assert.match(
        page,
        new RegExp(`id="https-status">HTTPS: certificate for ${DOMAIN} \\(issuer: [^<]*Pebble`),
      );

      // Every ACME file is private.
      const files = acmeFiles(null, join(t.dir, 'cookie_secret'));
      const names = readdirSync(files.dir).sort();
      assert.deepEqual(names, ['account-key.pem', 'cert.pem', 'key.pem', 'status.json']);
      for (const n of names) assert.equal(statSync(join(files.dir, n)).mode & 0o777, 0o600, n);
      assert.equal(statSync(files.dir).mode & 0o777, 0o700);
      assert.equal(
        new X509Certificate(readFileSync(files.cert)).serialNumber,
        a.serial,
        'the proxy serves cert.pem',
      );

      // Renewal: a new certificate; the connection opened before stays up on the old one.
      const renewed = await acme.renewNow(true);
      assert.equal(renewed.state, 'valid', `renewal failed: ${renewed.lastError}`);
      const same = await get(port, '/hub/login', root, keep);
      assert.equal(same.reused, true, 'the keep-alive connection survived the reload');
      assert.equal(same.status, 200);
      assert.equal(same.serial, a.serial, 'an open connection keeps its certificate');
      const fresh = await get(port, '/hub/login', root, new Agent({ keepAlive: false }));
      assert.equal(fresh.status, 200);
      assert.notEqual(fresh.serial, a.serial, 'a new connection gets the renewed certificate');
      keep.destroy();
      assert.equal(readAcmeStatus(files)?.state, 'valid');
    } finally {
      await t?.stop();
      await pebble.stop();
    }
  });

test('Labhub.letsencrypt.challenge = tls-alpn-01: Pebble validates on the HTTPS port (acme-tls/1), no plain-HTTP port', async () => {
  const port = await freePort();
  // Pebble's HTTP-01 port has nobody listening: only TLS-ALPN-01 can succeed.
  const pebble = await startPebble({ httpPort: await freePort(), tlsPort: port });
  let t;
  try {
    t = await startTestHub({
      config: {
        JupyterHub: { port },
        Labhub: {
          letsencrypt: {
            domains: [DOMAIN],
            directory_url: pebble.directoryUrl,
            directory_ca_file: pebble.caFile,
            challenge: 'tls-alpn-01',
          },
        },
      },
    });
    const s = await t.hub.acme!.renewNow(false);
    assert.equal(s.state, 'valid', `the TLS-ALPN-01 order failed: ${s.lastError}`);
    const root = await pebble.issuingRoot();
    const r = await get(port, '/hub/login', root, new Agent({ keepAlive: false }));
    assert.equal(r.status, 200, 'the login page, over the certificate Pebble issued');
    assert.match(r.issuer, /Pebble/i);
  } finally {
    await t?.stop();
    await pebble.stop();
  }
});
