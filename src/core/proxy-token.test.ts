import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../db/index.js';
import { planProxyToken } from './proxy-token.js';

const mem = () => Store.open({ kind: 'sqlite', location: ':memory:' });

test('the configured token, then CONFIGPROXY_AUTH_TOKEN, win over the stored one and are never replaced', async () => {
  const store = await mem();
  const exposed = { databaseExposed: true };
  assert.deepEqual(await planProxyToken(store, { configured: 'c', env: 'e', ...exposed }), {
    token: 'c',
  });
  assert.deepEqual(await planProxyToken(store, { configured: '', env: 'e', ...exposed }), {
    token: 'e',
  });
  assert.equal(await store.kv.get('proxy_auth_token'), null, 'nothing stored');
  await store.close();
});

test('a stored token is kept across starts; once the database was exposed it is replaced by the next proxy started, and only then', async () => {
  const store = await mem();
  const o = { configured: '', env: undefined };
  const first = await planProxyToken(store, { ...o, databaseExposed: false });
  assert.match(first.token, /^[0-9a-f]{64}$/);
  assert.equal(first.replacementToken, undefined);
  assert.deepEqual(await planProxyToken(store, { ...o, databaseExposed: false }), first);

  const exposed = await planProxyToken(store, { ...o, databaseExposed: true });
  assert.equal(exposed.token, first.token, 'an adopted proxy still needs the old token');
  assert.match(exposed.replacementToken ?? '', /^[0-9a-f]{64}$/);
  assert.notEqual(exposed.replacementToken, first.token);
  // Not replaced yet (the proxy was adopted): the next start still plans a replacement.
  const again = await planProxyToken(store, { ...o, databaseExposed: false });
  assert.ok(again.replacementToken, 'still pending after a restart');
  await again.onTokenReplaced!(again.replacementToken!);
  const after = await planProxyToken(store, { ...o, databaseExposed: false });
  assert.deepEqual(after, { token: again.replacementToken }, 'stored, and nothing pending');
  await store.close();
});
