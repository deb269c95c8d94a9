/**
 * Usage accounting: server sessions from the spawn lifecycle, resource samples of running
 * servers every `Labhub.usage.sample_interval` seconds, hourly roll-up, pruning. Times come from
 * an injectable clock (tests move it); everything lives in the database, so a restarted hub
 * continues the open sessions of the servers it reattaches.
 */
import type { Logger } from '../../log.js';
import type { NewUsageSample, Store } from '../../db/index.js';
import type { ServerUsage } from '../../spawner/types.js';
import type { JsonObject } from '../../util/json.js';
import type { ServerLifecycle, SessionEnd } from '../spawn/lifecycle.js';
import { HOUR_MS, type Clock } from './clock.js';
import { rollUp, rolledUntil } from './rollup.js';
import { checkBudget, type BudgetSettings } from './budget.js';
import { pruneRolledUp, rollDays } from './daily.js';

/** Labhub.usage, as settings. */
export interface UsageSettings extends BudgetSettings {
  /** Seconds between samples; 0: no sampling (sessions are still recorded). */
  sampleInterval: number;
  rawRetentionHours: number;
  retentionDays: number;
  /** Days the per-session hourly buckets are kept once rolled up into days (default 90). */
  hourlyRetentionDays?: number;
}

/** A running server the sampler may ask (SpawnManager.runningServers()). */
export interface SampledServer {
  serverId: number;
  usage?: () => Promise<ServerUsage | null>;
}

export interface UsageAccountingDeps {
  store: Store;
  log: Logger;
  clock: Clock;
  settings: UsageSettings;
  /** The spawner plugin id, recorded with each session. */
  spawnerId: string;
  /** The servers running now (the spawn manager's live servers). */
  running: () => SampledServer[];
}

/** The profile of a spawn: user_options.profile, else .image, else ''. */
export function profileOf(userOptions: JsonObject): string {
  for (const k of ['profile', 'image']) {
    const v = userOptions[k];
    if (typeof v === 'string' && v) return v.slice(0, 200);
  }
  return '';
}

export class UsageAccounting implements ServerLifecycle {
  /** Per open session: the previous sample's CPU counter and time (rebuilt from the database). */
  private readonly baseline = new Map<number, { cpu: number; at: number }>();
  /**
   * When this process opened each spawning server's session (epoch ms): ready() computes the
   * spawn time from it instead of reading the session back. Absent (e.g. a spawn resumed after
   * a restart): read from the database.
   */
  private readonly requestedAt = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<unknown> | null = null;
  /** Roll-ups run one at a time (a report's refresh and a tick may meet). */
  private rolling: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: UsageAccountingDeps) {}

  private iso(): string {
    return this.d.clock.now().toISOString();
  }

  private guard(what: string, f: () => Promise<void>): Promise<void> {
    return f().catch((e) => this.d.log.warn({ err: e }, `usage accounting: ${what} failed`));
  }

  /** Refuse a spawn when the user's monthly server-hour budget is used up (admins exempt). */
  async admit(user: { id: number; admin: boolean }): Promise<void> {
    if (user.admin) return;
    if (
      !this.d.settings.monthlyServerHours &&
      !Object.keys(this.d.settings.monthlyServerHoursPerGroup ?? {}).length
    )
      return;
    await this.refresh();
    await checkBudget(this.d.store, this.d.settings, user, this.d.clock.now());
  }

  requested(s: Parameters<ServerLifecycle['requested']>[0]): Promise<void> {
    this.requestedAt.delete(s.serverId);
    return this.guard('opening a session', async () => {
      const at = this.iso();
      await this.d.store.usage.open({
        serverId: s.serverId,
        userId: s.userId,
        userName: s.userName,
        serverName: s.serverName,
        spawner: this.d.spawnerId,
        profile: profileOf(s.userOptions),
        at,
        newServer: s.newServer,
      });
      this.requestedAt.set(s.serverId, Date.parse(at));
    });
  }

  ready(serverId: number): Promise<void> {
    let requested = this.requestedAt.get(serverId);
    this.requestedAt.delete(serverId);
    return this.guard('starting a session', async () => {
      if (requested === undefined) {
        const open = await this.d.store.usage.openOf(serverId);
        if (!open) return;
        requested = Date.parse(open.requestedAt);
      }
      const now = this.d.clock.now();
      const spawnSeconds = Math.max(0, (now.getTime() - requested) / 1000);
      // A no-op when the session was closed meanwhile (only open sessions are marked).
      await this.d.store.usage.markStarted(serverId, now.toISOString(), spawnSeconds);
    });
  }

  ended(serverId: number, end: SessionEnd): Promise<void> {
    this.requestedAt.delete(serverId);
    return this.guard('closing a session', async () => {
      if (end.reason !== 'lost') {
        // One statement: close the open session, if any, and forget its sampling baseline.
        const closed = await this.d.store.usage.close(serverId, {
          at: this.iso(),
          reason: end.reason,
          detail: 'detail' in end ? end.detail : null,
        });
        for (const id of closed) this.baseline.delete(id);
        return;
      }
      const open = await this.d.store.usage.openOf(serverId);
      if (!open) return;
      // It died while nobody watched: it ran until it was last seen (its last sample).
      const last = await this.d.store.usage.lastSample(open.id);
      this.baseline.delete(open.id);
      await this.d.store.usage.close(serverId, {
        at: last?.at ?? open.startedAt ?? open.requestedAt,
        reason: end.reason,
        detail: end.detail,
      });
    });
  }

  reattached(s: Parameters<ServerLifecycle['reattached']>[0]): Promise<void> {
    return this.guard('continuing a session', async () => {
      if (await this.d.store.usage.openOf(s.serverId)) return;
      // Running since before accounting existed (an upgraded hub): count from its start.
      const at = (s.started ?? this.d.clock.now()).toISOString();
      await this.d.store.usage.open({
        serverId: s.serverId,
        userId: s.userId,
        userName: s.userName,
        serverName: s.serverName,
        spawner: this.d.spawnerId,
        profile: profileOf(s.userOptions),
        at,
      });
      await this.d.store.usage.markStarted(s.serverId, at, 0);
    });
  }

  /** One sample of every running server, then the roll-up and the pruning. */
  async tick(): Promise<{ sampled: number }> {
    const now = this.d.clock.now();
    const nowMs = now.getTime();
    const intervalMs = Math.max(1, this.d.settings.sampleInterval) * 1000;
    const running = this.d.running().filter((r) => r.usage);
    const activity = new Map(
      (await this.d.store.servers.active()).map((a) => [a.id, a.lastActivity?.getTime() ?? 0]),
    );
    const samples: NewUsageSample[] = [];
    for (const r of running) {
      const session = await this.d.store.usage.openOf(r.serverId);
      if (!session?.startedAt) continue;
      let u: ServerUsage | null = null;
      try {
        u = await r.usage!();
      } catch (e) {
        this.d.log.debug({ err: e }, `usage of server ${r.serverId} could not be read`);
      }
      if (!u) continue;
      let base = this.baseline.get(session.id);
      if (!base) {
        const last = await this.d.store.usage.lastSample(session.id);
        base = last
          ? { cpu: last.cpuTotal, at: Date.parse(last.at) }
          : { cpu: 0, at: Date.parse(session.startedAt) };
      }
      const seconds = Math.max(0, Math.min(intervalMs, nowMs - base.at) / 1000);
      samples.push({
        sessionId: session.id,
        at: now.toISOString(),
        cpuTotal: u.cpuSeconds,
        // A counter that went down (a reaped child no longer counted) adds nothing.
        cpuDelta: Math.max(0, u.cpuSeconds - base.cpu),
        memBytes: u.memoryBytes,
        active: (activity.get(r.serverId) ?? 0) > nowMs - seconds * 1000,
        seconds,
      });
      this.baseline.set(session.id, { cpu: u.cpuSeconds, at: nowMs });
    }
    await this.d.store.usage.insertSamples(samples);
    await this.rollUpAndPrune(now);
    return { sampled: samples.length };
  }

  /** Bring the current hour's totals up to date (before a report). */
  async refresh(): Promise<void> {
    const now = this.d.clock.now();
    await this.serial(() => rollUp(this.d.store, now, this.oldest(now)));
  }

  private oldest(now: Date): Date {
    return new Date(now.getTime() - this.d.settings.retentionDays * 24 * HOUR_MS);
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.rolling.then(f, f);
    this.rolling = run.catch(() => undefined);
    return run;
  }

  /** Roll up the hours up to `now` and drop what the retention no longer keeps. */
  async rollUpAndPrune(now = this.d.clock.now()): Promise<void> {
    const oldest = this.oldest(now);
    await this.serial(() => rollUp(this.d.store, now, oldest));
    const rawBefore = now.getTime() - this.d.settings.rawRetentionHours * HOUR_MS;
    const final = await rolledUntil(this.d.store);
    await this.d.store.usage.prune(
      new Date(Math.min(rawBefore, final?.getTime() ?? rawBefore)).toISOString(),
      oldest.toISOString(),
    );
    if (!final) return;
    // Whole days whose hours are final go into the daily roll-up; old hourly buckets go.
    await this.serial(() => rollDays(this.d.store, final, oldest));
    const hourlyDays = this.d.settings.hourlyRetentionDays ?? 90;
    await pruneRolledUp(this.d.store, new Date(now.getTime() - hourlyDays * 24 * HOUR_MS), oldest);
  }

  /** Sample every sample_interval seconds (real time); returns the stop function. */
  start(): () => void {
    if (this.d.settings.sampleInterval <= 0) return () => undefined;
    this.timer = setInterval(() => {
      if (this.ticking) return; // a slow tick is never overlapped by the next one
      this.ticking = this.tick()
        .catch((e) => this.d.log.warn({ err: e }, 'usage sampling failed'))
        .finally(() => (this.ticking = null));
    }, this.d.settings.sampleInterval * 1000);
    this.timer.unref();
    return () => {
      if (this.timer) clearInterval(this.timer);
    };
  }
}
