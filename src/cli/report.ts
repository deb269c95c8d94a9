import { Store, parseDbUrl, type UsageGrouping } from '../db/index.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import {
  GROUPINGS,
  reportCsv,
  reportRange,
  usageReport,
  type UsageReport,
} from '../core/usage/reports.js';
import { HubError } from '../errors.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';

export interface ReportFlags extends StartFlags {
  from?: string;
  to?: string;
  by?: string;
  format?: string;
  limit?: string;
  offset?: string;
}

function intFlag(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `--${name}: expected a whole number from 0 to 1000000, got ${JSON.stringify(v)}.`,
    );
  return n;
}

/** The report as an aligned text table. */
export function reportTable(r: UsageReport): string {
  const head = [
    r.by,
    'users',
    'server-h',
    'active-h',
    'idle-h',
    'cpu-h',
    'mem peak MiB',
    'mem avg MiB',
  ];
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const rows = r.items.map((x) => [
    x.key || '(none)',
    String(x.users),
    x.server_hours.toFixed(2),
    x.active_hours.toFixed(2),
    x.idle_hours.toFixed(2),
    x.cpu_hours.toFixed(3),
    mib(x.memory_peak_bytes),
    mib(x.memory_average_bytes),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const shown = r.items.length ? `${r.offset + 1}–${r.offset + r.items.length}` : '0';
  return (
    [
      `Usage ${r.from} – ${r.to} by ${r.by} (${shown} of ${r.total})`,
      line(head),
      ...rows.map(line),
    ].join('\n') + '\n'
  );
}

/**
 * `labhub report --from --to --by user|group|profile [--format table|csv|json]`: the usage report
 * of GET /hub/api/labhub/usage, read from the database (the hub's hourly totals up to its last
 * sample; it never writes).
 */
export async function runReport(opts: ReportFlags): Promise<void> {
  const by = (opts.by ?? 'user') as UsageGrouping;
  if (!GROUPINGS.includes(by))
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `--by: expected one of ${GROUPINGS.join(', ')}, got ${JSON.stringify(opts.by)}.`,
    );
  const format = opts.format ?? 'table';
  if (!['table', 'csv', 'json'].includes(format))
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `--format: expected table, csv or json, got ${JSON.stringify(format)}.`,
    );
  const range = reportRange(opts.from, opts.to, new Date());
  const loaded = loadWithFlags(opts);
  const settings = settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id);
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  try {
    const r = await usageReport(store, {
      ...range,
      by,
      offset: intFlag(opts.offset, 'offset', 0),
      limit: Math.max(1, intFlag(opts.limit, 'limit', 100)),
    });
    process.stdout.write(
      format === 'csv'
        ? reportCsv(r)
        : format === 'json'
          ? `${JSON.stringify(r, null, 2)}\n`
          : reportTable(r),
    );
  } finally {
    await store.close();
  }
}
