import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyEngineFor } from './proxy-engine.js';

test('proxy engine: as configured, except that automatic HTTPS needs the Node engine', () => {
  const none = { domains: [] };
  const le = { domains: ['hub.example.org'] };
  assert.equal(proxyEngineFor({ proxyEngine: 'node', acme: none }), 'node');
  assert.equal(proxyEngineFor({ proxyEngine: 'auto', acme: none }), 'auto');
  assert.equal(proxyEngineFor({ proxyEngine: 'haproxy', acme: none }), 'haproxy');
  assert.equal(proxyEngineFor({ proxyEngine: 'auto', acme: le }), 'node');
  assert.throws(
    () => proxyEngineFor({ proxyEngine: 'haproxy', acme: le }),
    (e: any) => e.code === 'LABHUB_ERR_CONFIG' && /Labhub.letsencrypt/.test(e.message),
  );
});
