/**
 * Usage accounting storage (migration 006): server sessions, raw samples, hourly buckets.
 * Timestamps are ISO strings like everywhere else; the caller passes them (its clock), so the
 * repository never reads the time itself.
 */
import type { Selectable } from 'kysely';
import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';
import type { UsageSessionsTable } from './schema.js';

/** An open or closed server session. */
export interface UsageSession {
  id: number;
  serverId: number;
  userId: number;
  userName: string;
  serverName: string;
  spawner: string;
  profile: string;
  requestedAt: string;
  startedAt: string | null;
  spawnSeconds: number | null;
  stoppedAt: string | null;
  stopReason: string | null;
  detail: string | null;
}

/** One raw sample to store. */
export interface NewUsageSample {
  sessionId: number;
  at: string;
  cpuTotal: number;
  cpuDelta: number;
  memBytes: number;
  active: boolean;
  seconds: number;
}

/** One session's share of one hour. */
export interface HourlyBucket {
  hour: string;
  sessionId: number;
  userId: number;
  profile: string;
  serverSeconds: number;
  activeSeconds: number;
  cpuSeconds: number;
  memPeak: number;
  memSum: number;
  samples: number;
}

/** Samples of one session within an interval, summed (what the roll-up needs). */
export interface SampleSums {
  sessionId: number;
  cpuSeconds: number;
  activeSeconds: number;
  memPeak: number;
  memSum: number;
  samples: number;
}

/** A usage_sessions row as read (kysely derives it from the table type). */
type SessionRow = Selectable<UsageSessionsTable>;

function toSession(r: SessionRow): UsageSession {
  return {
    id: r.id,
    serverId: r.server_id,
    userId: r.user_id,
    userName: r.user_name,
    serverName: r.server_name,
    spawner: r.spawner,
    profile: r.profile,
    requestedAt: r.requested_at,
    startedAt: r.started_at,
    spawnSeconds: r.spawn_seconds === null ? null : Number(r.spawn_seconds),
    stoppedAt: r.stopped_at,
    stopReason: r.stop_reason,
    detail: r.detail,
  };
}

/** PostgreSQL returns sums and counts of integers as strings. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Chunk size of multi-row inserts (SQLite allows 32766 bound parameters). */
const CHUNK = 500;

/** Sessions, samples and hourly buckets. Reads follow running servers or a time range. */
/** Inserts hourly buckets in chunks (one statement per CHUNK rows). */
async function insertBuckets(db: Db, buckets: HourlyBucket[]): Promise<void> {
  for (let i = 0; i < buckets.length; i += CHUNK) {
    await db
      .insertInto('usage_hourly')
      .values(
        buckets.slice(i, i + CHUNK).map((b) => ({
          hour: b.hour,
          session_id: b.sessionId,
          user_id: b.userId,
          profile: b.profile,
          server_seconds: b.serverSeconds,
          active_seconds: b.activeSeconds,
          cpu_seconds: b.cpuSeconds,
          mem_peak: b.memPeak,
          mem_sum: b.memSum,
          samples: b.samples,
        })),
      )
      .execute();
  }
}

export class UsageRepo {
  /** The spawn and stop path's statements, compiled once. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  /**
   * Open a session for a spawn request; an open session the server still had is closed as lost
   * (none can be when `newServer`: the row was just created, and ids are never reused).
   */
  async open(s: {
    serverId: number;
    userId: number;
    userName: string;
    serverName: string;
    spawner: string;
    profile: string;
    at: string;
    newServer?: boolean;
  }): Promise<number> {
    if (!s.newServer)
      await this.close(s.serverId, { at: s.at, reason: 'lost', detail: 'a new spawn began' });
    const values = [s.serverId, s.userId, s.userName, s.serverName, s.spawner, s.profile, s.at];
    const [r] = await this.shapes.run('open', values, (slot) =>
      this.db
        .insertInto('usage_sessions')
        .values({
          server_id: slot(0),
          user_id: slot(1),
          user_name: slot(2),
          server_name: slot(3),
          spawner: slot(4),
          profile: slot(5),
          requested_at: slot(6),
        })
        .returning('id'),
    );
    if (!r) throw new Error('usage_sessions insert returned no row');
    return r.id;
  }

  /** The server answered: its session starts counting server time. */
  async markStarted(serverId: number, at: string, spawnSeconds: number): Promise<void> {
    await this.shapes.run('markStarted', [at, spawnSeconds, serverId], (slot) =>
      this.db
        .updateTable('usage_sessions')
        .set({ started_at: slot(0), spawn_seconds: slot(1) })
        .where('server_id', '=', slot(2))
        .where('stopped_at', 'is', null),
    );
  }

  /** Close the open session of a server (no-op when none); answers the closed sessions' ids. */
  async close(
    serverId: number,
    c: { at: string; reason: string; detail?: string | null },
  ): Promise<number[]> {
    const rows = await this.shapes.run(
      'close',
      [c.at, c.reason, c.detail ?? null, serverId],
      (slot) =>
        this.db
          .updateTable('usage_sessions')
          .set({ stopped_at: slot(0), stop_reason: slot(1), detail: slot(2) })
          .where('server_id', '=', slot(3))
          .where('stopped_at', 'is', null)
          .returning('id'),
    );
    return rows.map((r) => r.id);
  }

  async openOf(serverId: number): Promise<UsageSession | null> {
    const [r] = await this.shapes.run('openOf', [serverId], (slot) =>
      this.db
        .selectFrom('usage_sessions')
        .selectAll()
        .where('server_id', '=', slot(0))
        .where('stopped_at', 'is', null),
    );
    return r ? toSession(r as SessionRow) : null;
  }

  async byId(id: number): Promise<UsageSession | null> {
    const r = await this.db
      .selectFrom('usage_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toSession(r as SessionRow) : null;
  }

  /** Sessions that ran during [from, to): started before `to`, not stopped before `from`. */
  async overlapping(from: string, to: string): Promise<UsageSession[]> {
    const rows = await this.db
      .selectFrom('usage_sessions')
      .selectAll()
      .where('started_at', 'is not', null)
      .where('started_at', '<', to)
      .where((eb) => eb.or([eb('stopped_at', 'is', null), eb('stopped_at', '>', from)]))
      .execute();
    return rows.map((r) => toSession(r as SessionRow));
  }

  /** The earliest start time of any session (where a first roll-up begins), or null. */
  async earliestStart(): Promise<string | null> {
    const r = await this.db
      .selectFrom('usage_sessions')
      .select((eb) => eb.fn.min<string>('started_at').as('t'))
      .executeTakeFirst();
    return r?.t ?? null;
  }

  /** Server seconds of a user's sessions in the hours from `from` on (the budget check). */
  async serverSecondsOfUser(userId: number, from: string): Promise<number> {
    const r = await this.db
      .selectFrom('usage_hourly')
      .select((eb) => eb.fn.sum<number>('server_seconds').as('s'))
      .where('user_id', '=', userId)
      .where('hour', '>=', from)
      .executeTakeFirst();
    return num(r?.s);
  }

  /** The newest sample of a session (the CPU baseline after a hub restart). */
  async lastSample(sessionId: number): Promise<{ at: string; cpuTotal: number } | null> {
    const r = await this.db
      .selectFrom('usage_samples')
      .select(['at', 'cpu_total'])
      .where('session_id', '=', sessionId)
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? { at: r.at, cpuTotal: num(r.cpu_total) } : null;
  }

  async insertSamples(samples: NewUsageSample[]): Promise<void> {
    for (let i = 0; i < samples.length; i += CHUNK) {
      await this.db
        .insertInto('usage_samples')
        .values(
          samples.slice(i, i + CHUNK).map((s) => ({
            session_id: s.sessionId,
            at: s.at,
            cpu_total: s.cpuTotal,
            cpu_delta: s.cpuDelta,
            mem_bytes: s.memBytes,
            active: s.active ? 1 : 0,
            seconds: s.seconds,
          })),
        )
        .execute();
    }
  }

  /** Samples taken in (from, to], summed per session. */
  async sampleSums(from: string, to: string): Promise<SampleSums[]> {
    const rows = await this.db
      .selectFrom('usage_samples')
      .select((eb) => [
        'session_id',
        eb.fn.sum<number>('cpu_delta').as('cpu'),
        eb.fn.max<number>('mem_bytes').as('peak'),
        eb.fn.sum<number>('mem_bytes').as('mem'),
        eb.fn.countAll<number>().as('n'),
        eb.fn
          .sum<number>(eb.case().when('active', '=', 1).then(eb.ref('seconds')).else(0).end())
          .as('active'),
      ])
      .where('at', '>', from)
      .where('at', '<=', to)
      .groupBy('session_id')
      .execute();
    return rows.map((r) => ({
      sessionId: r.session_id,
      cpuSeconds: num(r.cpu),
      activeSeconds: num(r.active),
      memPeak: num(r.peak),
      memSum: num(r.mem),
      samples: num(r.n),
    }));
  }

  /**
   * Replace the buckets of one hour and its totals row (roll-ups are recomputed until the hour
   * is over).
   */
  async replaceHour(hour: string, buckets: HourlyBucket[]): Promise<void> {
    const users = new Set<number>();
    const active = new Set<number>();
    let serverSeconds = 0;
    for (const b of buckets) {
      serverSeconds += b.serverSeconds;
      if (b.serverSeconds > 0) users.add(b.userId);
      if (b.activeSeconds > 0) active.add(b.userId);
    }
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('usage_hours').where('hour', '=', hour).execute();
      if (buckets.length)
        await tx
          .insertInto('usage_hours')
          .values({
            hour,
            server_seconds: serverSeconds,
            users: users.size,
            active_users: active.size,
          })
          .execute();
      await tx.deleteFrom('usage_hourly').where('hour', '=', hour).execute();
      await insertBuckets(tx, buckets);
    });
  }

  /** Bulk insert of buckets (benchmarks and imports; the roll-up uses replaceHour). */
  async insertBuckets(buckets: HourlyBucket[]): Promise<void> {
    await insertBuckets(this.db, buckets);
  }

  /** Delete raw samples taken before `before`, and buckets of hours before `bucketsBefore`. */
  async prune(
    before: string,
    bucketsBefore: string,
  ): Promise<{ samples: number; buckets: number }> {
    const a = await this.db.deleteFrom('usage_samples').where('at', '<', before).executeTakeFirst();
    const b = await this.db
      .deleteFrom('usage_hourly')
      .where('hour', '<', bucketsBefore)
      .executeTakeFirst();
    await this.db.deleteFrom('usage_hours').where('hour', '<', bucketsBefore).execute();
    return { samples: num(a.numDeletedRows), buckets: num(b.numDeletedRows) };
  }

  async counts(): Promise<{ sessions: number; samples: number; buckets: number }> {
    const c = async (t: 'usage_sessions' | 'usage_samples' | 'usage_hourly') =>
      num(
        (
          await this.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      sessions: await c('usage_sessions'),
      samples: await c('usage_samples'),
      buckets: await c('usage_hourly'),
    };
  }
}
