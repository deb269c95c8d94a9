// ldap3 Tls(...) arguments mapped onto Node's TLS options (the real handshakes are in
// test/auth/ldap/ldap.test.ts against slapd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { tlsOptionsFor } from './connection.js';

const cert = {
  subject: { CN: 'dc01.ad.example.com' },
  subjectaltname: 'DNS:dc01.ad.example.com',
} as unknown as PeerCertificate;

test('the certificate is verified and must name the server, or one of valid_names', () => {
  const plain = tlsOptionsFor('ad.example.com', {});
  assert.equal(plain.rejectUnauthorized, true);
  assert.equal(plain.servername, 'ad.example.com');
  assert.equal(plain.checkServerIdentity, undefined, "Node's own check: the name must match");
  assert.ok(
    checkServerIdentity('ad.example.com', cert),
    'ad.example.com is not in the certificate',
  );

  const named = tlsOptionsFor('ad.example.com', { valid_names: ['dc01.ad.example.com'] });
  assert.equal(named.checkServerIdentity!('ad.example.com', cert), undefined);
  const other = tlsOptionsFor('ad.example.com', { valid_names: ['dc02.ad.example.com'] });
  assert.ok(other.checkServerIdentity!('ad.example.com', cert) instanceof Error);
});

test('validate 0 turns verification off; sni, ciphers and CA data are passed on; an IP gets no SNI', () => {
  const o = tlsOptionsFor('10.0.0.5', {
    validate: 0,
    ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
    ca_certs_data: '-----BEGIN CERTIFICATE-----',
  });
  assert.equal(o.rejectUnauthorized, false);
  assert.equal(o.servername, undefined);
  assert.equal(o.ciphers, 'ECDHE-RSA-AES256-GCM-SHA384');
  assert.deepEqual(o.ca, ['-----BEGIN CERTIFICATE-----']);
  assert.equal(
    tlsOptionsFor('10.0.0.5', { sni: 'ldap.example.org' }).servername,
    'ldap.example.org',
  );
});
