import { test } from 'node:test';
import { Store } from './index.js';
import { checkAuthzGeneration } from '../../test/helpers/authz-generation-check.js';

test('SQLite: every change scopes depend on moves the authorization generation; activity and server status do not', async () => {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  try {
    await checkAuthzGeneration(store, 'sq');
  } finally {
    await store.close();
  }
});
