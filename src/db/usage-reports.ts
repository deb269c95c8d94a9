/**
 * The report queries over the hourly buckets and the sessions (migration 006): totals per user,
 * group or profile for a range of hours, the hourly series of the dashboard, spawn statistics.
 * Every query is bounded by the hour range and paginated in SQL.
 */
import { sql } from 'kysely';
import type { Db } from './connection.js';

/** What a report groups by. */
export type UsageGrouping = 'user' | 'group' | 'profile';

/** Totals of one user, group or profile over the range. */
export interface UsageTotals {
  key: string;
  serverSeconds: number;
  activeSeconds: number;
  cpuSeconds: number;
  memPeak: number;
  /** Average of the memory samples (0 without samples). */
  memAverage: number;
  /** Distinct users behind the row (1 for a user). */
  users: number;
}

/** One hour of the dashboard's series. */
export interface UsageHour {
  hour: string;
  /** Average number of running servers during the hour (server-seconds / 3600). */
  runningServers: number;
  /** Users with a server running during the hour. */
  usersWithServers: number;
  /** Users whose server reported activity during the hour. */
  activeUsers: number;
}

/** Spawns requested in the range. */
export interface SpawnStats {
  requested: number;
  started: number;
  /**
   * Seconds from request to answer, whole seconds rounded down: 50th, 90th, 99th percentile
   * (null without spawns).
   */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  failures: Array<{ reason: string; count: number }>;
}

/**
 * Where a report's totals come from: hourly buckets for some hour ranges (the edges of the range,
 * or days not rolled up yet) and daily rows for one range of whole days; ISO times, [from, to).
 */
export interface UsageSources {
  hourly: Array<[string, string]>;
  daily: [string, string] | null;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

const BUCKET_COLUMNS = [
  'user_id',
  'profile',
  'server_seconds',
  'active_seconds',
  'cpu_seconds',
  'mem_peak',
  'mem_sum',
  'samples',
] as const;

export class UsageReportRepo {
  constructor(private readonly db: Db) {}

  /** The bucket rows of `src`: hourly ranges and a daily range, as one derived table. */
  private buckets(src: UsageSources) {
    const hourly = (range: [string, string] | null) =>
      this.db
        .selectFrom('usage_hourly')
        .select(BUCKET_COLUMNS)
        .where((eb) =>
          range
            ? eb.and([eb('hour', '>=', range[0]), eb('hour', '<', range[1])])
            : sql<boolean>`1 = 0`,
        );
    // The first part is hourly (a rowless one when the range has no hourly part).
    const [first = null, ...rest] = src.hourly;
    let u = hourly(first);
    for (const r of rest) u = u.unionAll(hourly(r));
    if (src.daily)
      u = u.unionAll(
        this.db
          .selectFrom('usage_daily')
          .select(BUCKET_COLUMNS)
          .where('day', '>=', src.daily[0])
          .where('day', '<', src.daily[1]),
      );
    return u;
  }

  /** Totals per `by` over the buckets of `src`, biggest server time first. */
  async totals(
    by: UsageGrouping,
    src: UsageSources,
    page: { offset: number; limit: number },
  ): Promise<{ rows: UsageTotals[]; total: number }> {
    const h = this.db.selectFrom(this.buckets(src).as('h'));
    const sums = [
      sql<number>`sum(h.server_seconds)`.as('server'),
      sql<number>`sum(h.active_seconds)`.as('active'),
      sql<number>`sum(h.cpu_seconds)`.as('cpu'),
      sql<number>`max(h.mem_peak)`.as('peak'),
      sql<number>`sum(h.mem_sum)`.as('mem'),
      sql<number>`sum(h.samples)`.as('samples'),
    ];
    // Per user first: a group's totals are the sums of its members' (one row per user to join
    // with the memberships instead of one per bucket).
    const perUser = h.select([sql<number>`h.user_id`.as('user_id'), ...sums]).groupBy('h.user_id');
    const keyed =
      by === 'group'
        ? this.db
            .selectFrom(perUser.as('u'))
            .innerJoin('user_group_map as m', 'm.user_id', 'u.user_id')
            .innerJoin('groups as g', 'g.id', 'm.group_id')
            .select([
              sql<string>`g.name`.as('k'),
              sql<number>`sum(u.server)`.as('server'),
              sql<number>`sum(u.active)`.as('active'),
              sql<number>`sum(u.cpu)`.as('cpu'),
              sql<number>`max(u.peak)`.as('peak'),
              sql<number>`sum(u.mem)`.as('mem'),
              sql<number>`sum(u.samples)`.as('samples'),
              sql<number>`count(*)`.as('users'),
            ])
            .groupBy('g.name')
        : by === 'user'
          ? h
              .select([sql<string>`h.user_id`.as('k'), ...sums, sql<number>`1`.as('users')])
              .groupBy('h.user_id')
          : h
              .select([
                sql<string>`h.profile`.as('k'),
                ...sums,
                sql<number>`count(distinct h.user_id)`.as('users'),
              ])
              .groupBy('h.profile');
    // One pass: the number of keys comes with the page (a window over the grouped rows).
    const rows = await this.db
      .selectFrom(keyed.as('t'))
      .selectAll('t')
      .select(sql<number>`count(*) over ()`.as('n'))
      .orderBy('t.server', 'desc')
      .orderBy('t.k')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const totalRow = rows.length
      ? { n: rows[0].n }
      : await this.db
          .selectFrom(keyed.as('t'))
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow();
    let names = new Map<string, string>();
    if (by === 'user' && rows.length) {
      const ids = rows.map((r) => Number(r.k));
      const named = await this.db
        .selectFrom('usage_sessions')
        .select(['user_id', 'user_name'])
        .distinct()
        .where('user_id', 'in', ids)
        .execute();
      names = new Map(named.map((n) => [String(n.user_id), n.user_name]));
    }
    return {
      total: num(totalRow.n),
      rows: rows.map((r) => {
        const samples = num(r.samples);
        return {
          key: by === 'user' ? (names.get(String(r.k)) ?? `#${r.k}`) : String(r.k),
          serverSeconds: num(r.server),
          activeSeconds: num(r.active),
          cpuSeconds: num(r.cpu),
          memPeak: num(r.peak),
          memAverage: samples ? num(r.mem) / samples : 0,
          users: num(r.users),
        };
      }),
    };
  }

  /** The hourly series for [from, to) from the per-hour totals (hours without servers absent). */
  async hours(from: string, to: string): Promise<UsageHour[]> {
    const rows = await this.db
      .selectFrom('usage_hours')
      .selectAll()
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .orderBy('hour')
      .execute();
    return rows.map((r) => ({
      hour: r.hour,
      runningServers: num(r.server_seconds) / 3600,
      usersWithServers: num(r.users),
      activeUsers: num(r.active_users),
    }));
  }

  /** Spawns requested in [from, to): counts, duration percentiles, failures by reason. */
  async spawns(from: string, to: string): Promise<SpawnStats> {
    // One scan: counts per whole second of spawn time (null: not started) and failure reason.
    const cells = await this.db
      .selectFrom('usage_sessions')
      .where('requested_at', '>=', from)
      .where('requested_at', '<', to)
      .select([
        sql<number | null>`floor(spawn_seconds)`.as('s'),
        sql<string | null>`case when stop_reason = 'failed' then coalesce(detail, 'error') end`.as(
          'f',
        ),
        sql<number>`count(*)`.as('n'),
      ])
      .groupBy([
        sql`floor(spawn_seconds)`,
        sql`case when stop_reason = 'failed' then coalesce(detail, 'error') end`,
      ])
      .execute();
    const bins = new Map<number, number>();
    const failed = new Map<string, number>();
    let requested = 0;
    for (const c of cells) {
      const n = num(c.n);
      requested += n;
      if (c.s !== null) bins.set(num(c.s), (bins.get(num(c.s)) ?? 0) + n);
      if (c.f !== null) failed.set(c.f, (failed.get(c.f) ?? 0) + n);
    }
    const sorted = [...bins].sort((x, y) => x[0] - y[0]);
    const started = sorted.reduce((t, [, n]) => t + n, 0);
    const pct = (p: number): number | null => {
      if (!started) return null;
      const rank = Math.min(started, Math.floor(p * (started - 1) + 0.5) + 1);
      let seen = 0;
      for (const [sec, n] of sorted) {
        seen += n;
        if (seen >= rank) return sec;
      }
      return null;
    };
    const failures = [...failed]
      .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
      .map(([reason, count]) => ({ reason, count }));
    return { requested, started, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), failures };
  }
}
