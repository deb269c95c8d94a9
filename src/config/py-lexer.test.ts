import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './py-lexer.js';

const strings = (src: string) =>
  tokenize(src)
    .filter((t) => t.kind === 'string')
    .map((t) => t.value);

test('every Python quoting decodes to the same text', () => {
  assert.deepEqual(strings(`'a' "a" '''a''' """a""" u'a' U"a"`), ['a', 'a', 'a', 'a', 'a', 'a']);
});

test('escapes are decoded in normal strings and kept in raw strings', () => {
  assert.deepEqual(strings(String.raw`'a\nb' 'it\'s' "\x41\u00e9\101" '\d'`), [
    'a\nb',
    "it's",
    'Aé' + 'A',
    '\\d',
  ]);
  assert.deepEqual(strings(String.raw`r'C:\data\new' R"a\"b"`), ['C:\\data\\new', 'a\\"b']);
});

test('triple-quoted strings span lines and line numbers keep counting', () => {
  const toks = tokenize("x = '''one\ntwo'''\ny = 1\n");
  assert.equal(toks.find((t) => t.kind === 'string')!.value, 'one\ntwo');
  assert.equal(toks.find((t) => t.text === 'y')!.line, 3);
});

test('numbers: ints, underscores, hex/octal/binary, floats, exponents', () => {
  const nums = tokenize('1 1_000 0x1F 0o17 0b101 1.5 .5 1e3 2.5E-1')
    .filter((t) => t.kind === 'number')
    .map((t) => t.value);
  assert.deepEqual(nums, [1, 1000, 31, 15, 5, 1.5, 0.5, 1000, 0.25]);
});

test('newlines inside brackets and after a backslash do not end the statement', () => {
  const kinds = tokenize('x = [1,\n  2]\ny = 1 + \\\n 2\n').map((t) => t.kind);
  assert.equal(kinds.filter((k) => k === 'newline').length, 2);
});

test('comments are skipped; unclosed strings and indentation are errors with a line', () => {
  assert.deepEqual(
    tokenize('# only a comment\n').map((t) => t.kind),
    ['eof'],
  );
  const unclosed = tokenize("a = 1\nb = 'oops\n").find((t) => t.kind === 'error')!;
  assert.equal(unclosed.line, 2);
  assert.match(unclosed.text, /not closed/);
  const indented = tokenize('a = 1\n    b = 2\n').find((t) => t.kind === 'error')!;
  assert.equal(indented.line, 2);
});
