import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { pkceChallenge } from './client.js';

test('pkceChallenge is openid-client S256 challenge (RFC 7636 appendix B example too)', async () => {
  assert.equal(
    pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
  for (let i = 0; i < 20; i++) {
    const v = oidc.randomPKCECodeVerifier();
    assert.equal(pkceChallenge(v), await oidc.calculatePKCECodeChallenge(v));
  }
});
