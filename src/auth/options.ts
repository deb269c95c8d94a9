/**
 * Small readers for authenticator options (JupyterHub trait names, snake_case). Each reader
 * checks the type and throws HubError LABHUB_ERR_CONFIG naming the key, what was expected and
 * what was found, so a plugin never runs with a half-understood value.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HubError } from '../errors.js';

type Opts = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 60))}`;
  return `${typeof v} ${String(v).slice(0, 60)}`;
}

function bad(where: string, key: string, expected: string, got: unknown): HubError {
  return new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `${where}.${key} must be ${expected}, but it is ${describe(got)}. Fix it in the configuration file.`,
  );
}

export function readBool(o: Opts, key: string, dflt: boolean, where: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  throw bad(where, key, 'true or false', v);
}

export function readString(o: Opts, key: string, dflt: string, where: string): string {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return v;
  throw bad(where, key, 'a string', v);
}

export function readInt(o: Opts, key: string, dflt: number, where: string, min = 0): number {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  throw bad(where, key, `an integer >= ${min}`, v);
}

/** A set of names: a list or Set of strings. A bare string is refused (it is not a set). */
export function readStringSet(o: Opts, key: string, where: string): Set<string> {
  const v = o[key];
  if (v === undefined || v === null) return new Set();
  const items = v instanceof Set ? [...v] : Array.isArray(v) ? v : undefined;
  if (!items) throw bad(where, key, 'a list of names (e.g. ["alice", "bob"])', v);
  for (const it of items) if (typeof it !== 'string') throw bad(where, key, 'a list of strings', v);
  return new Set(items as string[]);
}

export function readStringMap(o: Opts, key: string, where: string): Map<string, string> {
  const v = o[key];
  if (v === undefined || v === null) return new Map();
  if (typeof v !== 'object' || Array.isArray(v))
    throw bad(where, key, 'a mapping of name to name', v);
  const m = new Map<string, string>();
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val !== 'string') throw bad(where, `${key}.${k}`, 'a string', val);
    m.set(k, val);
  }
  return m;
}

/**
 * A username made safe for a log line: at most 16 characters plus the length, control
 * characters escaped (huge names in logs were an unauthenticated DoS, CVE-2026-54338).
 */
export function logName(name: string): string {
  const head = name.length > 16 ? name.slice(0, 16) : name;
  const safe = JSON.stringify(head).slice(1, -1);
  return name.length > 16 ? `${safe}… (${name.length} chars)` : safe;
}

/** Constant-time string equality (hashes first so lengths do not leak either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
