/**
 * Numbers and dates that come in from requests (bodies, query strings, ids in paths), parsed once
 * and bounded so that they fit a JavaScript Date, an ISO string with a four-digit year, and an SQL
 * integer on both SQLite and PostgreSQL. Out-of-range input is a 400 that names the field, the
 * accepted range and what was received: never a RangeError or a database error (a 500).
 */
import { HubError } from '../errors.js';
import { LATEST_ISO } from '../db/time.js';

/** PostgreSQL's `integer` (ids are `serial`): the largest id, offset or count we accept. */
export const MAX_SQL_INT = 2_147_483_647;
/** The longest lifetime (seconds) an API token may be given: 100 years of 365.25 days. */
export const MAX_TOKEN_EXPIRES_IN = 3_155_760_000;
/** Stored timestamps are ISO strings with four-digit years (text order = time order). */
export const EARLIEST_DATE = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_DATE = new Date(LATEST_ISO);

/** Bounds of {@link boundedInt}. */
export interface IntBounds {
  min: number;
  max: number;
  /** The value is a query-string or path text (decimal digits), not a JSON number. */
  text?: boolean;
  /** Appended to the message, e.g. "or null for a token that never expires". */
  hint?: string;
  /** Drop the fraction of a JSON number instead of refusing it. */
  floor?: boolean;
}

function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v.slice(0, 40)}${v.length > 40 ? '…' : ''}'`;
  if (typeof v === 'number') return String(v);
  const j = JSON.stringify(v);
  return j === undefined ? String(v) : j.slice(0, 40);
}

function bad(message: string): HubError {
  return new HubError('LABHUB_ERR_BAD_REQUEST', 400, message);
}

/**
 * An integer within [min, max]: a JSON number (fractions, NaN, 1e300 and strings refused), or
 * with `text` a string of decimal digits with an optional sign (so `99999999999999999999` is
 * refused instead of becoming 1e20).
 */
export function boundedInt(value: unknown, name: string, b: IntBounds): number {
  let n: number | null = null;
  if (b.text) {
    if (typeof value === 'string' && /^[+-]?\d{1,30}$/.test(value)) n = Number(value);
  } else if (typeof value === 'number' && Number.isInteger(b.floor ? Math.floor(value) : value))
    n = b.floor ? Math.floor(value) : value;
  if (n === null || n < b.min || n > b.max || !Number.isSafeInteger(n))
    throw bad(
      `${name} must be an integer from ${b.min} to ${b.max}${b.hint ? ` ${b.hint}` : ''}; got ${shown(value)}`,
    );
  return n;
}

/** Bounds of {@link boundedDate} (always within {@link EARLIEST_DATE}..{@link LATEST_DATE}). */
export interface DateBounds {
  min?: Date;
  max?: Date;
  /** Said when `max` is exceeded, e.g. "is in the future". */
  maxReason?: string;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO 8601 timestamp string (`2026-12-01T10:00:00.123456Z`; without a zone it is UTC, as in
 * JupyterHub) within the bounds. Other date formats, impossible dates (2026-02-30) and years
 * outside 0001–9999 are refused.
 */
export function boundedDate(value: unknown, name: string, b: DateBounds = {}): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  const m = ISO_8601.exec(text);
  if (!m)
    throw bad(
      `${name} must be an ISO 8601 timestamp such as 2026-12-01T10:00:00Z; got ${shown(value)}`,
    );
  let iso = text.length === 10 ? `${text}T00:00:00` : text.replace(' ', 'T');
  if (!/[Zz]$|[+-]\d{2}:?\d{2}$/.test(iso)) iso += 'Z';
  const date = new Date(iso);
  // Date rolls 2026-02-30 over to March 2: the day must exist in that month.
  const day = new Date(0);
  day.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(date.getTime()) || day.getUTCDate() !== Number(m[3]))
    throw bad(`${name}: ${shown(value)} is not a valid date and time`);
  const t = date.getTime();
  if (b.max && t > b.max.getTime() && t <= LATEST_DATE.getTime())
    throw bad(`${name} ${date.toISOString()} ${b.maxReason ?? `is after ${b.max.toISOString()}`}`);
  const min = Math.max(EARLIEST_DATE.getTime(), b.min?.getTime() ?? -Infinity);
  const max = Math.min(LATEST_DATE.getTime(), b.max?.getTime() ?? Infinity);
  if (t < min || t > max)
    throw bad(
      `${name} must be between ${new Date(min).toISOString()} and ${new Date(max).toISOString()}; got ${shown(value)}`,
    );
  return date;
}
