import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeNextUrl } from './next-url.js';

const HOST = 'hub.example.org';

test('next: allowed targets (JupyterHub test_login_redirect vectors)', () => {
  assert.equal(safeNextUrl('/hub/admin', HOST), '/hub/admin');
  assert.equal(safeNextUrl('/has?repo=https://host.git', HOST), '/has?repo=https://host.git');
  assert.equal(safeNextUrl(`https://${HOST}/user/alice/lab?x=1#f`, HOST), '/user/alice/lab?x=1#f');
});

test('next: rejected targets fall back to the default (empty)', () => {
  for (const bad of [
    'relative/path',
    'https://other.domain',
    'ftp://other.domain',
    '//other.domain',
    '///other.domain/triple',
    '\\\\other.domain/backslashes',
    'javascript:alert(1)',
    '/\\other.domain',
    'http://other.domain@' + HOST + '.evil',
    '\t//evil',
  ]) {
    const r = safeNextUrl(bad, HOST);
    assert.ok(r === '' || (r.startsWith('/') && !r.startsWith('//')), `${bad} → ${r}`);
    assert.ok(!/^\/\/|^[a-z]+:/i.test(r), `${bad} must not leave the host (${r})`);
  }
  assert.equal(safeNextUrl('https://other.domain', HOST), '');
  assert.equal(safeNextUrl('//other.domain', HOST), '');
  assert.equal(safeNextUrl('///other.domain/triple', HOST), '');
  assert.equal(safeNextUrl('relative/path', HOST), '');
});

test('next: own host followed by //other.domain/ becomes a path (CVE-2026-33709)', () => {
  assert.equal(safeNextUrl(`https://${HOST}//other.domain/`, HOST), '/other.domain/');
});

test('next: must stay under base_url', () => {
  assert.equal(safeNextUrl('/prefix/hub/home', HOST, '/prefix/'), '/prefix/hub/home');
  assert.equal(safeNextUrl('/elsewhere', HOST, '/prefix/'), '');
});
