/**
 * Hub replicas (docs/high-availability.md): this process's row in `hub_replicas` with its
 * heartbeat, the leader lease, and the leader-only jobs started and stopped as leadership moves.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../db/index.js';

/** A cluster-wide job: runs on the leader only. `start` returns how to stop it. */
export interface LeaderJob {
  name: string;
  start(): Promise<() => unknown> | (() => unknown);
}

export interface ReplicaOptions {
  store: Store;
  log: Logger;
  heartbeatMs: number;
  timeoutMs: number;
  hubUrl: string;
  version: string;
  /** Whether the database is a single SQLite file (a second live replica is refused). */
  sqlite: boolean;
}

/** Whether a process with this pid exists on this machine. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ReplicaCoordinator {
  readonly id: string;
  private readonly host = hostname();
  private jobs: LeaderJob[] = [];
  private stops: Array<() => unknown> = [];
  private leader = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private closed = false;
  /** performance.now() of the last lease renewal and of the last heartbeat written. */
  private renewedAt = 0;
  private beatAt = 0;
  /** Leadership changes run one at a time, in order. */
  private transition: Promise<void> = Promise.resolve();
  /** Run on the leader at every heartbeat, after dead replicas were removed (the adoption scan). */
  onLeaderTick: ((liveReplicas: string[]) => Promise<void>) | null = null;

  constructor(private readonly o: ReplicaOptions) {
    if (o.timeoutMs < 2 * o.heartbeatMs)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Labhub.high_availability: replica_timeout (${o.timeoutMs / 1000} s) must be at least twice heartbeat_interval (${o.heartbeatMs / 1000} s).`,
      );
    this.id = `${this.host}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * Register this replica. Rows of dead processes on this machine are removed first; on SQLite a
   * live other hub stops this start (LABHUB_ERR_REPLICA_SQLITE).
   */
  async register(): Promise<void> {
    const repo = this.o.store.replicas;
    const now = await repo.nowMs();
    for (const r of await repo.list()) {
      const stale = r.heartbeatMs < now - this.o.timeoutMs;
      const deadHere = r.host === this.host && !pidAlive(r.pid);
      if (stale || deadHere) {
        await repo.remove(r.id);
        continue;
      }
      if (this.o.sqlite)
        throw new HubError(
          'LABHUB_ERR_REPLICA_SQLITE',
          500,
          `Another hub (pid ${r.pid} on ${r.host}, ${r.hubUrl}) is already running on this SQLite database. SQLite is for one hub process: stop the other hub first ('labhub stop'), or, to run several hub replicas, set JupyterHub.db_url to a PostgreSQL database (see docs/high-availability.md).`,
        );
    }
    await repo.register({
      id: this.id,
      host: this.host,
      pid: process.pid,
      hubUrl: this.o.hubUrl,
      version: this.o.version,
      startedMs: now,
      heartbeatMs: now,
    });
    this.beatAt = performance.now();
  }

  /** First heartbeat now (this replica may become leader and start `jobs`), then periodically. */
  async run(jobs: LeaderJob[]): Promise<void> {
    this.jobs = jobs;
    await this.tick();
    this.timer = setInterval(() => {
      this.checkLease();
      void this.tick();
    }, this.o.heartbeatMs);
    this.timer.unref();
  }

  /** Whether this replica can serve requests (for /hub/health), and why not. */
  health(): { ok: boolean; reason?: string } {
    if (this.closed) return { ok: false, reason: 'shutting down' };
    const age = performance.now() - this.beatAt;
    if (age > this.o.timeoutMs)
      return {
        ok: false,
        reason: `no heartbeat written to the database for ${Math.round(age / 1000)} s`,
      };
    return { ok: true };
  }

  /** One heartbeat: refresh the row, take or renew the lease, and the leader's duties. */
  async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    const repo = this.o.store.replicas;
    try {
      const t = performance.now();
      const now = await repo.nowMs();
      if (!(await repo.heartbeat(this.id, now))) {
        this.o.log.warn(
          `Replica ${this.id} was declared dead by the leader (no heartbeat for ${this.o.timeoutMs / 1000} s); registering again. Its servers may have been adopted by another replica.`,
        );
        await repo.register({
          id: this.id,
          host: this.host,
          pid: process.pid,
          hubUrl: this.o.hubUrl,
          version: this.o.version,
          startedMs: now,
          heartbeatMs: now,
        });
      }
      this.beatAt = t;
      if (await repo.tryLead(this.id, now, this.o.timeoutMs)) {
        this.renewedAt = t;
        if (!this.leader) await this.lead();
      } else if (this.leader) {
        await this.stepDown('another replica holds the leader lease');
      }
      if (this.leader) {
        const dead = await repo.removeStale(now - this.o.timeoutMs);
        if (dead.length) this.o.log.warn(`Replicas without heartbeat removed: ${dead.join(', ')}`);
        const live = (await repo.list()).map((r) => r.id);
        await this.onLeaderTick?.(live);
      }
    } catch (e) {
      this.o.log.warn({ err: e }, 'replica heartbeat failed');
    } finally {
      this.ticking = false;
      this.checkLease();
    }
  }

  /**
   * A leader that could not renew its lease steps down before the lease can expire (one
   * heartbeat interval of margin), so two leaders never run jobs at once.
   */
  private checkLease(): void {
    if (!this.leader) return;
    if (performance.now() - this.renewedAt > this.o.timeoutMs - this.o.heartbeatMs)
      void this.stepDown('the leader lease could not be renewed in time');
  }

  private lead(): Promise<void> {
    this.leader = true;
    this.transition = this.transition.then(async () => {
      if (!this.leader) return;
      this.o.log.info(`Replica ${this.id} is now the leader`);
      for (const j of this.jobs) {
        try {
          this.stops.push(await j.start());
        } catch (e) {
          this.o.log.error({ err: e }, `Leader job ${j.name} failed to start`);
        }
      }
    });
    return this.transition;
  }

  private stepDown(why: string): Promise<void> {
    if (!this.leader) return this.transition;
    this.leader = false;
    this.transition = this.transition.then(() =>
      this.stopJobs(`Replica ${this.id} is no longer the leader: ${why}`),
    );
    return this.transition;
  }

  private async stopJobs(message: string): Promise<void> {
    const stops = this.stops.reverse();
    this.stops = [];
    if (stops.length) this.o.log.warn(message);
    for (const stop of stops) {
      try {
        await stop();
      } catch (e) {
        this.o.log.warn({ err: e }, 'stopping a leader job failed');
      }
    }
  }

  /**
   * Clean shutdown: stop the jobs, give the lease up and remove this replica's row; then, when
   * other replicas serve, wait `drainMs` (the caller keeps serving meanwhile).
   */
  async leave(drainMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.leader = false;
    this.transition = this.transition.then(() => this.stopJobs(`Replica ${this.id} is leaving`));
    await this.transition;
    const repo = this.o.store.replicas;
    await repo.resign(this.id).catch(() => undefined);
    await repo.remove(this.id).catch(() => undefined);
    // Other replicas serve: keep serving while labhub-proxy (or a load balancer) sees this one's
    // /hub/health answer 503 and stops sending it requests, so none is cut off (rolling upgrade).
    const others = await repo.list().catch(() => []);
    if (others.length && drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
  }
}
