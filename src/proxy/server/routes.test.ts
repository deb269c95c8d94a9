import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable, cleanPath } from './routes.js';
import { joinUrl, stripSegments, decodePath } from './paths.js';

test('cleanPath follows CHP: leading slash, no trailing slash except root', () => {
  assert.equal(cleanPath(''), '/');
  assert.equal(cleanPath('/'), '/');
  assert.equal(cleanPath('user/a/'), '/user/a');
  assert.equal(cleanPath('/user/a//'), '/user/a');
});

test('longest prefix on whole segments; removal prunes; root fallback', () => {
  const t = new RouteTable();
  t.add('/', { target: 'http://h:1' });
  t.add('/user/alice', { target: 'http://h:2' });
  t.add('/user/alice/srv', { target: 'http://h:3' });
  assert.equal(t.match('/user/alice/srv/lab')?.data.target, 'http://h:3');
  assert.equal(t.match('/user/alice/lab')?.data.target, 'http://h:2');
  assert.equal(t.match('/user/alicex')?.data.target, 'http://h:1');
  assert.equal(t.match('//user//alice')?.data.target, 'http://h:2');
  t.remove('/user/alice/');
  assert.equal(t.match('/user/alice/lab')?.data.target, 'http://h:1');
  assert.equal(t.match('/user/alice/srv/x')?.data.target, 'http://h:3');
  t.remove('/');
  assert.equal(t.match('/other'), undefined);
  t.remove('/user/alice/srv');
  assert.equal(t.size, 0);
  assert.deepEqual([...t.origins()], []);
});

test('joinUrl / stripSegments / decodePath', () => {
  assert.equal(joinUrl('/base/', '/x?a=1'), '/base/x?a=1');
  assert.equal(joinUrl('/base?t=1', '/x?a=1'), '/base/x?t=1&a=1');
  assert.equal(joinUrl('/', ''), '/');
  assert.equal(joinUrl('/base', '?q'), '/base?q');
  assert.equal(stripSegments('/user/a/lab/tree', 2), '/lab/tree');
  assert.equal(stripSegments('/user/a', 2), '');
  assert.equal(decodePath('/a%20b'), '/a b');
  assert.equal(decodePath('/bad%zz'), '/bad%zz');
});
