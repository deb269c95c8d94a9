/**
 * The daily roll-up: whole UTC days summed from their hourly buckets once every hour of the day
 * is final, so year-long reports read one row per user, profile and day. A report takes daily
 * rows for the whole days of its range and hourly buckets for the partial days at its edges (and
 * for days not rolled up yet), so its numbers are those of the hourly buckets alone. Hourly
 * buckets older than `Labhub.usage.hourly_retention_days` are pruned once their day is rolled up;
 * a range reaching back before what is kept hourly is widened to whole days.
 * `hub_kv.usage_daily_until` marks the first day not yet rolled up, `usage_hourly_kept_from` the
 * first hour still kept hourly.
 */
import type { Store, UsageSources } from '../../db/index.js';
import { HOUR_MS } from './clock.js';

const DAILY_KEY = 'usage_daily_until';
const KEPT_KEY = 'usage_hourly_kept_from';

export const DAY_MS = 24 * HOUR_MS;

/** Start of the UTC day containing `t`. */
export function floorDay(t: Date | number): Date {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS));
}

/** Start of the first UTC day starting at or after `t`. */
export function ceilDay(t: Date | number): Date {
  const ms = typeof t === 'number' ? t : t.getTime();
  return floorDay(ms + DAY_MS - 1);
}

const kvDate = async (store: Store, key: string): Promise<Date | null> => {
  const v = await store.kv.get(key);
  return v ? new Date(v) : null;
};

/**
 * Roll up every day that is over in the hourly roll-up (`hourlyFinal`: the first hour not yet
 * final) and not yet rolled up. Days before `oldest` (the retention) are skipped. Returns the
 * number of days written.
 */
export async function rollDays(store: Store, hourlyFinal: Date, oldest: Date): Promise<number> {
  let day = await kvDate(store, DAILY_KEY);
  if (!day) {
    const first = await store.usageDaily.earliestHour();
    if (!first) return 0;
    day = floorDay(new Date(first));
  }
  if (day < oldest) day = floorDay(oldest);
  const end = floorDay(hourlyFinal);
  let n = 0;
  for (; day < end; day = new Date(day.getTime() + DAY_MS)) {
    const next = new Date(day.getTime() + DAY_MS);
    await store.usageDaily.rollDay(day.toISOString(), next.toISOString());
    await store.kv.set(DAILY_KEY, next.toISOString());
    n++;
  }
  return n;
}

/**
 * Drop hourly buckets before `keepFrom` (rounded down to a day) that the daily roll-up already
 * holds, and daily rows before `oldest`.
 */
export async function pruneRolledUp(store: Store, keepFrom: Date, oldest: Date): Promise<void> {
  const daily = await kvDate(store, DAILY_KEY);
  if (daily) {
    const before = new Date(Math.min(floorDay(keepFrom).getTime(), daily.getTime()));
    const kept = await kvDate(store, KEPT_KEY);
    if (!kept || before > kept) {
      await store.kv.set(KEPT_KEY, before.toISOString());
      await store.usageDaily.pruneHourly(before.toISOString());
    }
  }
  await store.usageDaily.pruneDaily(oldest.toISOString());
}

/** Where the totals of [from, to) come from, and the range they cover (widened, see above). */
export async function reportSources(
  store: Store,
  from: Date,
  to: Date,
): Promise<{ from: Date; to: Date; sources: UsageSources }> {
  const daily = await kvDate(store, DAILY_KEY);
  const kept = await kvDate(store, KEPT_KEY);
  let [f, t] = [from, to];
  if (kept && f < kept) f = floorDay(f);
  if (kept && t < kept) t = ceilDay(t);
  const iso = (d: Date) => d.toISOString();
  const d0 = ceilDay(f);
  const d1 = daily && daily < floorDay(t) ? daily : floorDay(t);
  if (!daily || d0 >= d1)
    return { from: f, to: t, sources: { hourly: [[iso(f), iso(t)]], daily: null } };
  const hourly: Array<[string, string]> = [];
  if (f < d0) hourly.push([iso(f), iso(d0)]);
  if (d1 < t) hourly.push([iso(d1), iso(t)]);
  return { from: f, to: t, sources: { hourly, daily: [iso(d0), iso(d1)] } };
}
