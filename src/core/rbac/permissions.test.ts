import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../db/index.js';
import { isHubError } from '../../errors.js';
import { silentLogger } from '../../log.js';
import { Permissions } from './permissions.js';

async function init(customScopes: Record<string, { description: string; subscopes?: string[] }>) {
  const store = await Store.open({ kind: 'sqlite', location: ':memory:' });
  try {
    const p = new Permissions(store, silentLogger(), {
      loadRoles: [
        {
          name: 'tas',
          description: '',
          scopes: Object.keys(customScopes).slice(0, 1),
          users: [],
          groups: [],
          services: [],
        },
      ],
      extraUserScopes: [],
      customScopes,
    });
    await p.init();
    return p;
  } finally {
    await store.close();
  }
}

test('a bad JupyterHub.custom_scopes entry stops the start with each problem named', async () => {
  await assert.rejects(
    init({
      'grades:read': { description: 'Read grades' },
      'custom:grades:write': { description: '', subscopes: ['custom:nope'] },
    }),
    (e) => {
      assert.ok(isHubError(e));
      assert.equal(e.code, 'LABHUB_ERR_CONFIG');
      assert.match(e.userMessage, /^JupyterHub\.custom_scopes is invalid:/);
      assert.match(e.userMessage, /'grades:read': expected a name like 'custom:myapp:read'/);
      assert.match(e.userMessage, /'custom:grades:write': a non-empty 'description' is required/);
      assert.match(e.userMessage, /subscope 'custom:nope' must be another custom scope/);
      return true;
    },
  );
});

test('valid custom scopes pass and can be used in load_roles', async () => {
  const p = await init({
    'custom:grades:read': { description: 'Read grades' },
    'custom:grades:write': { description: 'Write grades', subscopes: ['custom:grades:read'] },
  });
  assert.deepEqual(p.roles().get('tas')?.scopes, ['custom:grades:read']);
});
