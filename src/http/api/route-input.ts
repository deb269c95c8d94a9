/**
 * Body and query parsing for declared routes (route.ts): zod schemas, with every mismatch a
 * LABHUB_ERR_BAD_REQUEST 400 that names the field, says what was expected and what was received.
 * A schema's own message (`{ error: '…' }`) is used as is, so the messages clients already see
 * stay the same. A HubError thrown by a transform (boundedInt, boundedDate) passes through.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HubError } from '../../errors.js';
import { jsonBody } from './params.js';

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.slice(0, 40)}${v.length > 40 ? '…' : ''}'`;
  const j = JSON.stringify(v);
  return j === undefined ? typeof v : j.slice(0, 40);
}

function fieldName(path: readonly PropertyKey[], where: string): string {
  if (!path.length) return where;
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${String(k)}` : String(k)))
    .join('');
}

/** The message of one issue when the schema gave none: field, expectation, received value. */
function defaultMessage(issue: z.core.$ZodRawIssue, where: string): string {
  const field = fieldName(issue.path ?? [], where);
  switch (issue.code) {
    case 'invalid_type':
      return `${field} must be ${issue.expected === 'object' ? 'a JSON object' : `a ${issue.expected}`}; got ${shown(issue.input)}`;
    case 'unrecognized_keys':
      return `Unknown ${where} fields: ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${shown(issue.input)}`;
    default:
      return `${field}: ${issue.message ?? 'invalid value'}; got ${shown(issue.input)}`;
  }
}

/** Parses `value` with `schema`; the first issue becomes a 400 (`where`: "body", "query"). */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value, { error: (issue) => defaultMessage(issue, where) });
  if (r.success) return r.data;
  // A value of the wrong type is reported before a value of the right type that fails a check.
  const issues = r.error.issues;
  const first = issues.find((i) => i.code === 'invalid_type') ?? issues[0];
  throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, first.message);
}

/** The JSON object body (absent = `{}`, see jsonBody) parsed with `schema`. */
export function parseBody<T>(req: FastifyRequest, schema: z.ZodType<T>): T {
  return parseWith(schema, jsonBody(req), 'body');
}

/** The query string parsed with `schema` (values are strings, or arrays when repeated). */
export function parseQuery<T>(req: FastifyRequest, schema: z.ZodType<T>): T {
  return parseWith(schema, { ...(req.query as object) }, 'query');
}
