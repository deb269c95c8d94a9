/**
 * A plugin's options, parsed by its own zod schema. A wrong value is HubError LABHUB_ERR_CONFIG
 * naming `Class.key`, what was expected and what was found, so a plugin never runs with a
 * half-understood value.
 */
import type { z } from 'zod';
import { HubError } from '../errors.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 60))}`;
  if (typeof v === 'object') return `a mapping (${JSON.stringify(v).slice(0, 60)})`;
  return `${typeof v} ${String(v).slice(0, 60)}`;
}

const EXPECTED: Record<string, string> = {
  boolean: 'true or false',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  array: 'a list (e.g. ["alice", "bob"])',
  record: 'a mapping of name to value',
  object: 'a mapping of name to value',
};

function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return EXPECTED[issue.expected] ?? issue.expected;
    case 'too_small':
      return `${issue.origin === 'number' ? 'a number' : 'a value'} >= ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'number' ? 'a number' : 'a value'} <= ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = (v as Record<PropertyKey, unknown> | null | undefined)?.[k];
  return v;
}

/**
 * Parse `raw` with `schema`. `where` names the config class in messages (e.g.
 * `NativeAuthenticator`). Throws LABHUB_ERR_CONFIG for the first bad value.
 */
export function parsePluginOptions<O>(schema: z.ZodType<O>, raw: unknown, where: string): O {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  throw new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `${where}.${key} must be ${expected(issue)}, but it is ${describe(valueAt(raw, issue.path))}. Fix it in the configuration file.`,
  );
}
