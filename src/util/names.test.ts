import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkServerName,
  checkServiceName,
  checkUserName,
  isDotLike,
  unroutableReason,
} from './names.js';

/** Spellings of `.` and `..` and of a path separator that some reader of a URL resolves. */
const DOT_SPELLINGS = [
  '.',
  '..',
  '%2e',
  '%2E',
  '%2e%2e',
  '%2E%2e',
  '.%2e',
  '%2E.',
  '\uff0e', // FULLWIDTH FULL STOP
  '\uff0e\uff0e',
  '.\uff0e',
  '\u2024', // ONE DOT LEADER
  '\u2024\u2024',
  '\u2025', // TWO DOT LEADER (NFKC: "..")
  '\ufe52\ufe52', // SMALL FULL STOP
];

const SEPARATOR_SPELLINGS = [
  'a/..',
  '../a',
  '..\\',
  'a\\..',
  '\\..',
  'a%2F..',
  'a%2f',
  '%2e%2e%2f',
  'a\uff0fb', // FULLWIDTH SOLIDUS (NFKC: "/")
  'a\uff3cb', // FULLWIDTH REVERSE SOLIDUS
  'a\uff05' + '2e', // FULLWIDTH PERCENT SIGN
  '%61lice', // differs from "alice" only after percent-decoding
  'a?b',
  'a#b',
];

const INVISIBLE_SPELLINGS = [
  '.\u200b.', // zero-width space between dots
  '\u00ad..', // soft hyphen
  '..\u0000',
  'a\tb',
  'a\u202eb', // right-to-left override
  'a\u2028b',
  'a\ud800b', // lone surrogate
];

test('names: every spelling of "." and ".." is refused as a user name, saying why', () => {
  for (const n of DOT_SPELLINGS) {
    const r = checkUserName(n);
    assert.equal(r.ok, false, JSON.stringify(n));
    if (!r.ok) assert.match(r.reason, /^the username /, JSON.stringify(n));
  }
  assert.match((checkUserName('..') as { reason: string }).reason, /path step/);
  assert.match(
    (checkUserName('\uff0e\uff0e') as { reason: string }).reason,
    /read as "\.\." and so as a path step/,
  );
});

test('names: separators, escapes, query and fragment characters are refused in user names, also after NFKC', () => {
  for (const n of SEPARATOR_SPELLINGS) assert.equal(checkUserName(n).ok, false, JSON.stringify(n));
  assert.match((checkUserName('a/..') as { reason: string }).reason, /contains "\/"/);
  assert.match((checkUserName('a\uff0fb') as { reason: string }).reason, /NFKC/);
});

test('names: control and invisible characters, and leading or trailing spaces, are refused', () => {
  for (const n of [...INVISIBLE_SPELLINGS, ' alice', 'alice ', '\u00a0..', '.. '])
    assert.equal(checkUserName(n).ok, false, JSON.stringify(n));
});

test('names: JupyterHub rules hold (empty and "/" refused) and the 255-character cap stays', () => {
  assert.equal(checkUserName('').ok, false);
  assert.equal(checkUserName('a/b').ok, false);
  assert.equal(checkUserName('x'.repeat(255)).ok, true);
  assert.equal(checkUserName('x'.repeat(256)).ok, false);
});

test('names: ordinary user names pass, including dots inside names, e-mail addresses and non-ASCII letters', () => {
  for (const n of [
    'alice',
    'Alice',
    'first.last',
    'a.',
    '.a',
    '...',
    'a..b',
    'alice@example.org',
    'a-b_c~d',
    'a b',
    'jürgen',
    '王小明',
    'ａlice', // fullwidth letter: not a URL-special character once normalised
  ])
    assert.deepEqual(checkUserName(n), { ok: true }, JSON.stringify(n));
});

test('names: server names follow the slug rule, which no dot or separator spelling passes', () => {
  assert.deepEqual(checkServerName(''), { ok: true }, 'the default server');
  for (const n of ['gpu', 'a-1', 'my_server', 'v1.2', 'A1', 'x'.repeat(63)])
    assert.deepEqual(checkServerName(n), { ok: true }, n);
  for (const n of [...DOT_SPELLINGS, ...SEPARATOR_SPELLINGS, ...INVISIBLE_SPELLINGS])
    assert.equal(checkServerName(n).ok, false, JSON.stringify(n));
  for (const n of ['-a', '.a', 'a b', 'x'.repeat(64), 'ü'])
    assert.equal(checkServerName(n).ok, false);
});

test('names: every JupyterHub 6 server name (lower-case slug, up to 30 characters) is a labhub server name', () => {
  for (const n of ['a', 'a-1-2-3', 'jupyter-alex-651dec0a', 'a'.repeat(30)])
    assert.deepEqual(checkServerName(n), { ok: true }, n);
});

test('names: service names refuse dots-only and separators, and accept the API rule', () => {
  for (const n of ['svc', 'my.svc', 'a~b', 'cull-idle_1'])
    assert.deepEqual(checkServiceName(n), { ok: true });
  for (const n of [...DOT_SPELLINGS, ...SEPARATOR_SPELLINGS, '', 'a b'])
    assert.equal(checkServiceName(n).ok, false, JSON.stringify(n));
});

test('names: isDotLike sees through percent-encoding and NFKC, not through ordinary names', () => {
  for (const n of DOT_SPELLINGS) assert.equal(isDotLike(n), true, JSON.stringify(n));
  for (const n of ['...', 'a.', '.a', 'a', ''])
    assert.equal(isDotLike(n), false, JSON.stringify(n));
});

test('names: unroutableReason checks the user and the server name together', () => {
  assert.equal(unroutableReason('alice', ''), null);
  assert.equal(unroutableReason('alice', 'gpu'), null);
  assert.match(unroutableReason('..', '') ?? '', /username/);
  assert.match(unroutableReason('alice', '..') ?? '', /server name/);
});
