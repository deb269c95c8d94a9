import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, suggestKey } from './suggest.js';

test('edit distance', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('same', 'SAME'), 0);
  assert.equal(editDistance('', 'abc'), 3);
});

test('did-you-mean finds the trait in the right class, the nearest trait, or the nearest class', () => {
  assert.equal(suggestKey('JupyterHub', 'admin_user'), 'Authenticator.admin_users');
  assert.equal(suggestKey('Spawner', 'notebookdir'), 'Spawner.notebook_dir');
  assert.equal(suggestKey('Spawner', 'start_timout'), 'Spawner.start_timeout');
  assert.equal(suggestKey('JupyterHub', 'allowed_users'), 'Authenticator.allowed_users');
  assert.equal(suggestKey('Spawnr', 'notebook_dir'), 'Spawner.notebook_dir');
  assert.equal(suggestKey('PAMAuthentcator', 'service'), 'PAMAuthenticator.service');
  assert.equal(suggestKey('JupyterHub', 'completely_unrelated_name_xyz'), null);
});
