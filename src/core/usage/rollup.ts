/**
 * The hourly roll-up: each session's server time (from its start/stop times), active time, CPU
 * and memory (from its raw samples) per UTC hour. An hour is recomputed at each tick until it is
 * over; `usage_rolled_until` (hub_kv) marks the first hour not yet final, so a restarted hub
 * picks up where it stopped.
 */
import type { HourlyBucket, Store } from '../../db/index.js';
import { floorHour, HOUR_MS } from './clock.js';

const KV_KEY = 'usage_rolled_until';

function overlapSeconds(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, (Math.min(a1, b1) - Math.max(a0, b0)) / 1000);
}

/** Buckets of the hour starting at `hour`, counted up to `until` (≤ the hour's end). */
export async function bucketsOfHour(
  store: Store,
  hour: Date,
  until: Date,
): Promise<HourlyBucket[]> {
  const h0 = hour.getTime();
  const h1 = Math.min(h0 + HOUR_MS, until.getTime());
  const from = hour.toISOString();
  const to = new Date(h0 + HOUR_MS).toISOString();
  const sessions = await store.usage.overlapping(from, new Date(h1).toISOString());
  const sums = new Map((await store.usage.sampleSums(from, to)).map((s) => [s.sessionId, s]));
  const out: HourlyBucket[] = [];
  for (const s of sessions) {
    const start = Date.parse(s.startedAt!);
    const stop = s.stoppedAt ? Date.parse(s.stoppedAt) : h1;
    const serverSeconds = overlapSeconds(start, stop, h0, h1);
    const m = sums.get(s.id);
    if (serverSeconds <= 0 && !m) continue;
    out.push({
      hour: from,
      sessionId: s.id,
      userId: s.userId,
      profile: s.profile,
      serverSeconds,
      activeSeconds: Math.min(serverSeconds, m?.activeSeconds ?? 0),
      cpuSeconds: m?.cpuSeconds ?? 0,
      memPeak: m?.memPeak ?? 0,
      memSum: m?.memSum ?? 0,
      samples: m?.samples ?? 0,
    });
  }
  return out;
}

/**
 * Roll up every hour from the first one not yet final through the current one. Hours older
 * than `oldest` (the bucket retention) are skipped. Returns the number of hours written.
 */
export async function rollUp(store: Store, now: Date, oldest: Date): Promise<number> {
  const saved = await store.kv.get(KV_KEY);
  let hour = saved ? new Date(saved) : await firstHour(store, now);
  if (hour < oldest) hour = floorHour(oldest);
  const current = floorHour(now);
  let n = 0;
  for (; hour <= current; hour = new Date(hour.getTime() + HOUR_MS)) {
    await store.usage.replaceHour(hour.toISOString(), await bucketsOfHour(store, hour, now));
    n++;
    const end = new Date(hour.getTime() + HOUR_MS);
    if (end <= now) await store.kv.set(KV_KEY, end.toISOString());
  }
  return n;
}

/** Where a first roll-up starts: the hour of the first server start, or the current hour. */
async function firstHour(store: Store, now: Date): Promise<Date> {
  const first = await store.usage.earliestStart();
  return floorHour(first ? Math.min(Date.parse(first), now.getTime()) : now);
}

/** The first hour not yet final (raw samples from before it may be pruned). */
export async function rolledUntil(store: Store): Promise<Date | null> {
  const saved = await store.kv.get(KV_KEY);
  return saved ? new Date(saved) : null;
}
