import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { byteSize, command, strSet, t, traitMeta } from './schema-util.js';
import { deepFreeze } from './freeze.js';

test('byte sizes: numbers and K/M/G/T strings, 1024-based', () => {
  assert.equal(byteSize.parse(100), 100);
  assert.equal(byteSize.parse('512M'), 512 * 1024 ** 2);
  assert.equal(byteSize.parse('2G'), 2 * 1024 ** 3);
  assert.equal(byteSize.parse('1.5k'), 1536);
  assert.equal(byteSize.parse('1T'), 1024 ** 4);
  assert.equal(byteSize.safeParse('2 gigs').success, false);
  assert.equal(byteSize.safeParse(-1).success, false);
});

test('command accepts a string or a list; sets drop duplicates', () => {
  assert.deepEqual(command.parse('chp'), ['chp']);
  assert.deepEqual(command.parse(['a', 'b']), ['a', 'b']);
  assert.deepEqual(strSet.parse(['a', 'b', 'a']), ['a', 'b']);
});

test('t() gives a fresh default each time and keeps docs metadata', () => {
  const s = t(z.array(z.string()), ['x'], 'list[str]', 'help');
  const a = s.parse(undefined) as string[];
  a.push('y');
  assert.deepEqual(s.parse(undefined), ['x']);
  assert.deepEqual(traitMeta(s), { type: 'list[str]', help: 'help', defaultText: undefined });
});

test('deepFreeze freezes nested objects and arrays', () => {
  const v = deepFreeze({ a: [{ b: 1 }] });
  assert.ok(Object.isFrozen(v.a[0]));
});
