/**
 * The daily roll-up of the usage accounting (migration 012): one row per UTC day, user and
 * profile, summed from the hourly buckets of that day (sums, and the maximum for the memory peak,
 * so a report over daily rows equals one over the hourly rows they came from).
 */
import { sql } from 'kysely';
import type { Db } from './connection.js';

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

export class UsageDailyRepo {
  constructor(private readonly db: Db) {}

  /** (Re)build the daily rows of the day [day, next) from its hourly buckets. */
  async rollDay(day: string, next: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('usage_daily').where('day', '=', day).execute();
      const r = await tx
        .insertInto('usage_daily')
        .columns([
          'day',
          'user_id',
          'profile',
          'server_seconds',
          'active_seconds',
          'cpu_seconds',
          'mem_peak',
          'mem_sum',
          'samples',
        ])
        .expression(
          tx
            .selectFrom('usage_hourly')
            .select([
              sql<string>`cast(${day} as text)`.as('day'),
              'user_id',
              'profile',
              sql<number>`sum(server_seconds)`.as('server_seconds'),
              sql<number>`sum(active_seconds)`.as('active_seconds'),
              sql<number>`sum(cpu_seconds)`.as('cpu_seconds'),
              sql<number>`max(mem_peak)`.as('mem_peak'),
              sql<number>`sum(mem_sum)`.as('mem_sum'),
              sql<number>`sum(samples)`.as('samples'),
            ])
            .where('hour', '>=', day)
            .where('hour', '<', next)
            .groupBy(['user_id', 'profile']),
        )
        .executeTakeFirst();
      return num(r.numInsertedOrUpdatedRows);
    });
  }

  /** The earliest hour with hourly buckets (where a first daily roll-up begins), or null. */
  async earliestHour(): Promise<string | null> {
    const r = await this.db
      .selectFrom('usage_hourly')
      .select((eb) => eb.fn.min<string>('hour').as('t'))
      .executeTakeFirst();
    return r?.t ?? null;
  }

  /** Delete hourly buckets of hours before `before` (days already rolled up). */
  async pruneHourly(before: string): Promise<number> {
    const r = await this.db
      .deleteFrom('usage_hourly')
      .where('hour', '<', before)
      .executeTakeFirst();
    return num(r.numDeletedRows);
  }

  /** Delete daily rows of days before `before` (the retention). */
  async pruneDaily(before: string): Promise<number> {
    const r = await this.db.deleteFrom('usage_daily').where('day', '<', before).executeTakeFirst();
    return num(r.numDeletedRows);
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('usage_daily')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return num(r.n);
  }
}
