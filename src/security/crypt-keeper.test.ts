import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CryptKeeper, parseCryptKeys } from './crypt-keeper.js';

const hex = () => randomBytes(32).toString('hex');

test('auth_state round-trips; the stored text holds no plain value', () => {
  const k = new CryptKeeper(parseCryptKeys(hex()));
  const s = k.encode('{"access_token":"secret-token"}');
  assert.doesNotMatch(s, /secret-token/);
  assert.equal(k.decode(s), '{"access_token":"secret-token"}');
});

test('rotation: a value written with the old key opens when the new key is first', () => {
  const [oldKey, newKey] = [hex(), randomBytes(32).toString('base64')];
  const before = new CryptKeeper(parseCryptKeys(oldKey)).encode('{"a":1}');
  const after = new CryptKeeper(parseCryptKeys(`${newKey};${oldKey}`));
  assert.equal(after.decode(before), '{"a":1}');
  // New values use the new key only.
  assert.equal(new CryptKeeper(parseCryptKeys(newKey)).decode(after.encode('x')), 'x');
  assert.equal(new CryptKeeper(parseCryptKeys(oldKey)).decode(after.encode('x')), null);
});

test('a tampered value or a dropped key decodes to null', () => {
  const k = new CryptKeeper(parseCryptKeys(hex()));
  const s = k.encode('{"a":1}');
  const bad = s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.equal(k.decode(bad), null);
  assert.equal(new CryptKeeper(parseCryptKeys(hex())).decode(s), null);
});

test('missing or malformed JUPYTERHUB_CRYPT_KEY: LABHUB_ERR_CRYPT_KEY saying what to do', () => {
  assert.throws(
    () => parseCryptKeys(undefined),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'LABHUB_ERR_CRYPT_KEY');
      assert.match(e.message, /openssl rand -hex 32/);
      return true;
    },
  );
  assert.throws(() => parseCryptKeys(`${hex()};abcd`), /key 2 of 2 is not 32 bytes/);
});
