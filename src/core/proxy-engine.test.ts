import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyEngineFor } from './proxy-engine.js';

const alpn = { domains: ['hub.example.org'], challenge: 'tls-alpn-01' };

test('proxy engine: kept as configured without ACME or with HTTP-01', () => {
  for (const e of ['auto', 'node', 'haproxy'] as const) {
    assert.equal(proxyEngineFor(e, { domains: [], challenge: 'tls-alpn-01' }), e);
    assert.equal(proxyEngineFor(e, { domains: ['a.example'], challenge: 'http-01' }), e);
  }
});

test('proxy engine: TLS-ALPN-01 runs on the Node engine; HAProxy is refused with what to change', () => {
  assert.equal(proxyEngineFor('auto', alpn), 'node');
  assert.equal(proxyEngineFor('node', alpn), 'node');
  assert.throws(
    () => proxyEngineFor('haproxy', alpn),
    /proxy_engine = 'haproxy' cannot answer Labhub.letsencrypt.challenge = 'tls-alpn-01'.*http-01/,
  );
});
