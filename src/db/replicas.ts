import { sql } from 'kysely';
import type { Db } from './connection.js';

/** A running hub process, as registered in `hub_replicas` (docs/high-availability.md). */
export interface ReplicaRecord {
  id: string;
  host: string;
  pid: number;
  hubUrl: string;
  version: string;
  startedMs: number;
  heartbeatMs: number;
}

/** The leader lease: who holds it and until when (ms on the database's clock). */
export interface LeaderLease {
  replicaId: string;
  expiresMs: number;
}

function isPostgres(db: Db): boolean {
  return (db.getExecutor().adapter.constructor.name ?? '').toLowerCase().includes('postgres');
}

/**
 * Replica registry and leader lease. Every comparison of times uses {@link ReplicaRepo.nowMs},
 * the database's clock, so replicas on machines with skewed clocks agree.
 */
export class ReplicaRepo {
  private readonly pg: boolean;
  constructor(private readonly db: Db) {
    this.pg = isPostgres(db);
  }

  get dialect(): 'postgres' | 'sqlite' {
    return this.pg ? 'postgres' : 'sqlite';
  }

  /** Milliseconds since the epoch on the database server's clock. */
  async nowMs(): Promise<number> {
    const q = this.pg
      ? sql<{
          n: string | number;
        }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS n`
      : sql<{
          n: string | number;
        }>`SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS n`;
    const r = await q.execute(this.db);
    return Number(r.rows[0].n);
  }

  async register(r: ReplicaRecord): Promise<void> {
    await this.db
      .insertInto('hub_replicas')
      .values({
        id: r.id,
        host: r.host,
        pid: r.pid,
        hub_url: r.hubUrl,
        version: r.version,
        started_ms: r.startedMs,
        heartbeat_ms: r.heartbeatMs,
      })
      .execute();
  }

  /** Refresh a replica's heartbeat; false when its row is gone (it was declared dead). */
  async heartbeat(id: string, nowMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('hub_replicas')
      .set({ heartbeat_ms: nowMs })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('hub_replicas').where('id', '=', id).execute();
  }

  async list(): Promise<ReplicaRecord[]> {
    const rows = await this.db
      .selectFrom('hub_replicas')
      .selectAll()
      .orderBy('started_ms')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: Number(r.pid),
      hubUrl: r.hub_url,
      version: r.version,
      startedMs: Number(r.started_ms),
      heartbeatMs: Number(r.heartbeat_ms),
    }));
  }

  /** Delete replicas whose heartbeat is older than `beforeMs`; returns their ids. */
  async removeStale(beforeMs: number): Promise<string[]> {
    const rows = await this.db
      .deleteFrom('hub_replicas')
      .where('heartbeat_ms', '<', beforeMs)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Take or renew the leader lease: succeeds when nobody holds it, it has expired, its holder
   * is no longer registered, or `id` already holds it. One statement, so exactly one replica can win an expired lease.
   */
  async tryLead(id: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('hub_leader')
      .set({ replica_id: id, expires_ms: nowMs + ttlMs })
      .where('id', '=', 1)
      .where((eb) =>
        eb.or([
          eb('replica_id', '=', id),
          eb('expires_ms', '<', nowMs),
          // The holder's row is gone (it left, or died on a machine that noticed): no need to wait.
          eb('replica_id', 'not in', eb.selectFrom('hub_replicas').select('hub_replicas.id')),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Give the lease up (clean shutdown), so another replica takes it at its next heartbeat. */
  async resign(id: string): Promise<void> {
    await this.db
      .updateTable('hub_leader')
      .set({ replica_id: '', expires_ms: 0 })
      .where('id', '=', 1)
      .where('replica_id', '=', id)
      .execute();
  }

  async lease(): Promise<LeaderLease | null> {
    const r = await this.db
      .selectFrom('hub_leader')
      .select(['replica_id', 'expires_ms'])
      .where('id', '=', 1)
      .executeTakeFirst();
    return r ? { replicaId: r.replica_id, expiresMs: Number(r.expires_ms) } : null;
  }
}
