// TLS-ALPN-01 in front of an HTTPS server (acme-alpn.ts), with real TLS on loopback: while a
// challenge is pending, a connection offering acme-tls/1 for its domain gets the challenge
// certificate, and every other connection (a browser's, read first and handed back) reaches the
// HTTPS server as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { generateSelfSignedCert } from '../../security/tls.js';
import { AcmeResponder } from './acme-responder.js';
import { ACME_TLS_ALPN, answerTlsAlpn, parseClientHello } from './acme-alpn.js';

function handshake(
  port: number,
  servername: string,
  alpn: string[],
): Promise<{ protocol: string | false | null; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      servername,
      ALPNProtocols: alpn,
      rejectUnauthorized: false,
    });
    s.once('secureConnect', () => {
      resolve({ protocol: s.alpnProtocol, cert: s.getPeerCertificate() });
      s.destroy();
    });
    s.once('error', reject);
  });
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        servername: 'hub.example.org',
        rejectUnauthorized: false,
        path: '/',
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.once('error', reject);
  });
}

test('TLS-ALPN-01: the challenge certificate for acme-tls/1, the site for everyone else', async () => {
  const site = await generateSelfSignedCert({ altNames: ['hub.example.org'] });
  const challenge = await generateSelfSignedCert({
    altNames: ['hub.example.org'],
    commonName: 'challenge',
  });
  const acme = new AcmeResponder();
  const server = https.createServer({ cert: site.certPem, key: site.keyPem }, (_req, res) =>
    res.end('site'),
  );
  answerTlsAlpn(server, acme);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const siteSerial = new X509Certificate(site.certPem).serialNumber;
  try {
    assert.equal(await get(port), 'site', 'no challenge pending: straight through');
    acme.put('tok', 'tok.thumb', {
      domain: 'HUB.example.org',
      cert: challenge.certPem,
      key: challenge.keyPem,
    });
    const a = await handshake(port, 'hub.example.org', [ACME_TLS_ALPN]);
    assert.equal(a.protocol, ACME_TLS_ALPN);
    assert.equal(a.cert.subject.CN, 'challenge', 'the challenge certificate');
    assert.equal(await get(port), 'site', 'a browser during the challenge reaches the site');
    // No challenge for that name: the site's TLS, which does not speak acme-tls/1.
    await assert.rejects(
      handshake(port, 'other.example.org', [ACME_TLS_ALPN]),
      /no application protocol/,
    );
    const h1 = await handshake(port, 'hub.example.org', ['http/1.1']);
    assert.equal(h1.cert.serialNumber, siteSerial, 'http/1.1 for the domain: the site certificate');
    acme.delete('tok');
    assert.equal(acme.hasAlpnChallenges(), false);
    const after = await handshake(port, 'hub.example.org', ['http/1.1']);
    assert.equal(after.cert.serialNumber, siteSerial);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('parseClientHello: partial records, non-TLS bytes', () => {
  assert.equal(parseClientHello(Buffer.from([0x16, 0x03])), 'more');
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')), null);
  assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 0x01])), 'more');
});
