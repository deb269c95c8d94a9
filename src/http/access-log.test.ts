import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from './access-log.js';

test('redactUrl hides the values of credential-like query parameters and keeps the rest', () => {
  assert.equal(redactUrl('/hub/api/users'), '/hub/api/users');
  assert.equal(
    redactUrl('/hub/api/user?token=abc123&include_stopped_servers=1'),
    '/hub/api/user?token=[secret]&include_stopped_servers=1',
  );
  assert.equal(
    redactUrl('/hub/api/oauth2/authorize?client_id=x&state=s3&code=c0&redirect_uri=%2Fa'),
    '/hub/api/oauth2/authorize?client_id=x&state=[secret]&code=[secret]&redirect_uri=%2Fa',
  );
  assert.equal(
    redactUrl('/x?_xsrf=q&Access_Token=t&TOKEN=u'),
    '/x?_xsrf=[secret]&Access_Token=[secret]&TOKEN=[secret]',
  );
  assert.equal(redactUrl('/x?%74oken=t'), '/x?%74oken=[secret]', 'a percent-encoded name');
  assert.equal(redactUrl('/x?%E0%A4%A=t'), '/x?[secret]', 'a name that does not decode');
  assert.equal(redactUrl('/x?next=%2Fhub%2F'), '/x?next=%2Fhub%2F');
});
