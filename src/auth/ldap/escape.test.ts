import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './escape.js';

test('filter values: the RFC 4515 specials and NUL are hex-escaped, the rest is kept', () => {
  assert.equal(escapeFilterValue('alice'), 'alice');
  assert.equal(escapeFilterValue('*'), '\\2a');
  assert.equal(escapeFilterValue(')(uid=*'), '\\29\\28uid=\\2a');
  assert.equal(escapeFilterValue('admin)(|(uid=*'), 'admin\\29\\28|\\28uid=\\2a');
  assert.equal(escapeFilterValue('a\\b\0'), 'a\\5cb\\00');
  assert.equal(escapeFilterValue('\\00'), '\\5c00', 'a typed backslash-zero-zero stays text');
  assert.equal(escapeFilterValue('Zoë'), 'Zoë');
});

test('DN values: the RFC 4514 specials get a backslash, edge spaces and a leading # too', () => {
  assert.equal(escapeDnValue('alice'), 'alice');
  assert.equal(escapeDnValue('alice,ou=admins'), 'alice\\,ou\\=admins');
  assert.equal(escapeDnValue('Doe, Jane'), 'Doe\\, Jane');
  assert.equal(escapeDnValue('a+b"c;d<e>f\\g'), 'a\\+b\\"c\\;d\\<e\\>f\\\\g');
  assert.equal(escapeDnValue(' x '), '\\ x\\ ');
  assert.equal(escapeDnValue('#x#'), '\\#x#');
  assert.equal(
    escapeDnValue('a\\ '),
    'a\\\\\\ ',
    'a trailing space after a backslash is escaped too',
  );
  assert.equal(escapeDnValue('nul\0'), 'nul\\00');
});

test('templates: named fields are filled once, {{ }} are braces, unknown fields throw', () => {
  assert.equal(
    fillTemplate('uid={username},ou=people', { username: 'a{username}' }),
    'uid=a{username},ou=people',
  );
  assert.equal(
    fillTemplate('({login_attr}={login})', { login_attr: 'uid', login: 'x' }),
    '(uid=x)',
  );
  assert.equal(fillTemplate('{{x}}', {}), '{x}');
  assert.throws(() => fillTemplate('uid={user}', { username: 'x' }), /unknown field \{user\}/);
  assert.throws(() => fillTemplate('uid={username', { username: 'x' }), /lone/);
});
