/**
 * Usage reports: totals per user, group or profile over a range of hours (server-hours,
 * CPU-hours, memory peak and average, active and idle hours), the dashboard's series and spawn
 * statistics, and CSV. One service for the REST API, the admin page and `labhub report`.
 */
import { HubError } from '../../errors.js';
import type { SpawnStats, Store, UsageGrouping, UsageHour } from '../../db/index.js';
import { floorHour, HOUR_MS } from './clock.js';
import { reportSources } from './daily.js';

/** What a report groups by. */
export const GROUPINGS: readonly UsageGrouping[] = ['user', 'group', 'profile'];

/** The longest range one request may cover (bounded work per request). */
const MAX_RANGE_DAYS = 1100;

/** One row of a report (wire names: snake_case). */
export interface UsageRow {
  key: string;
  users: number;
  server_hours: number;
  active_hours: number;
  idle_hours: number;
  cpu_hours: number;
  memory_peak_bytes: number;
  memory_average_bytes: number;
}

export interface UsageReport {
  from: string;
  to: string;
  by: UsageGrouping;
  total: number;
  offset: number;
  limit: number;
  items: UsageRow[];
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

function parseTime(v: string, name: string): Date {
  const m = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  const d = new Date(m);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime()))
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `${name}: expected a date (2026-11-01) or an ISO time (2026-11-01T08:00:00Z), got ${JSON.stringify(v)}.`,
    );
  return d;
}

/**
 * The range of a report, in whole UTC hours: `from` rounded down, `to` (exclusive) rounded up.
 * Defaults: from the first day of `now`'s month to the end of `now`'s hour. Throws
 * LABHUB_ERR_BAD_REQUEST (400) for an unreadable date, an empty or a too long range.
 */
export function reportRange(
  from: string | undefined,
  to: string | undefined,
  now: Date,
): { from: Date; to: Date } {
  const f = floorHour(
    from ? parseTime(from, 'from') : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
  );
  const tRaw = to ? parseTime(to, 'to') : new Date(floorHour(now).getTime() + HOUR_MS);
  const t = floorHour(tRaw.getTime() + HOUR_MS - 1);
  if (t <= f)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `to (${t.toISOString()}) must be after from (${f.toISOString()}).`,
    );
  if (t.getTime() - f.getTime() > MAX_RANGE_DAYS * 24 * HOUR_MS)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `The range ${f.toISOString()} – ${t.toISOString()} is longer than ${MAX_RANGE_DAYS} days; ask for a shorter one.`,
    );
  return { from: f, to: t };
}

/**
 * Totals per `by` for [from, to), biggest server time first, one page: daily rows for the whole
 * days, hourly buckets for the edges (daily.ts). A range reaching back before the hours still
 * kept hourly is widened to whole days; the report says the range it covers.
 */
export async function usageReport(
  store: Store,
  q: { from: Date; to: Date; by: UsageGrouping; offset: number; limit: number },
): Promise<UsageReport> {
  const { from, to, sources } = await reportSources(store, q.from, q.to);
  const { rows, total } = await store.usageReports.totals(q.by, sources, {
    offset: q.offset,
    limit: q.limit,
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    by: q.by,
    total,
    offset: q.offset,
    limit: q.limit,
    items: rows.map((r) => ({
      key: r.key,
      users: r.users,
      server_hours: round(r.serverSeconds / 3600),
      active_hours: round(r.activeSeconds / 3600),
      idle_hours: round(Math.max(0, r.serverSeconds - r.activeSeconds) / 3600),
      cpu_hours: round(r.cpuSeconds / 3600, 6),
      memory_peak_bytes: Math.round(r.memPeak),
      memory_average_bytes: Math.round(r.memAverage),
    })),
  };
}

const CSV_COLUMNS: Array<keyof UsageRow> = [
  'key',
  'users',
  'server_hours',
  'active_hours',
  'idle_hours',
  'cpu_hours',
  'memory_peak_bytes',
  'memory_average_bytes',
];

function csvCell(v: string | number): string {
  let s = String(v);
  // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) || s !== String(v) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report as CSV (RFC 4180, header line; the first column is named after `by`). */
export function reportCsv(r: UsageReport): string {
  const head = [r.by, ...CSV_COLUMNS.slice(1)].join(',');
  const lines = r.items.map((row) => CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  return [head, ...lines].join('\r\n') + '\r\n';
}

/** What the admin dashboard draws. */
export interface UsageDashboard {
  from: string;
  to: string;
  hours: UsageHour[];
  spawns: SpawnStats;
  groups: UsageRow[];
}

/** The dashboard's data for [from, to): hourly series, spawn statistics, the top 20 groups. */
export async function usageDashboard(
  store: Store,
  range: { from: Date; to: Date },
): Promise<UsageDashboard> {
  const groups = await usageReport(store, { ...range, by: 'group', offset: 0, limit: 20 });
  const { from, to } = groups;
  return {
    from,
    to,
    hours: await store.usageReports.hours(from, to),
    spawns: await store.usageReports.spawns(from, to),
    groups: groups.items,
  };
}
