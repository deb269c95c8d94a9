import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseWith } from './route-input.js';

const fails = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: Error & { code?: string; status?: number }) => {
    assert.equal(e.code, 'LABHUB_ERR_BAD_REQUEST');
    assert.equal(e.status, 400);
    assert.match(e.message, message);
    return true;
  });

test('a field of the wrong type is named with what was expected and what was received', () => {
  const s = z.object({ note: z.string().optional(), n: z.number().optional() });
  fails(() => parseWith(s, { note: 5 }, 'body'), /^note must be a string; got 5$/);
  fails(() => parseWith(s, { n: 'x' }, 'body'), /^n must be a number; got 'x'$/);
  fails(() => parseWith(s, 'text', 'body'), /^body must be a JSON object; got 'text'$/);
});

test('nested fields are named by their path and unknown fields are listed', () => {
  const s = z.object({ a: z.object({ b: z.array(z.string()) }) }).strict();
  fails(() => parseWith(s, { a: { b: ['x', 2] } }, 'body'), /^a\.b\[1\] must be a string; got 2$/);
  fails(() => parseWith(s, { a: { b: [] }, c: 1 }, 'body'), /^Unknown body fields: c$/);
});

test("a schema's own message is kept as is, and a type error is reported before a failed check", () => {
  const s = z.object({
    url: z
      .string({ error: 'url must be a string' })
      .refine((v) => v.startsWith('http'), { error: 'url must be an http URL' })
      .optional(),
    token: z.string({ error: 'token must be a string' }).optional(),
  });
  fails(() => parseWith(s, { url: 1 }, 'body'), /^url must be a string$/);
  fails(() => parseWith(s, { url: 'ftp:' }, 'body'), /^url must be an http URL$/);
  fails(() => parseWith(s, { url: 'ftp:', token: 1 }, 'body'), /^token must be a string$/);
  assert.deepEqual(parseWith(s, { url: 'http://x' }, 'body'), { url: 'http://x' });
});
