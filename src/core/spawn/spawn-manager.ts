import { HubError, isHubError } from '../../errors.js';
import type { ActiveServer, ServerRecord, User } from '../../db/index.js';
import type { Proxy, Route } from '../../proxy/types.js';
import type { Spawner, SpawnerOptions } from '../../spawner/types.js';
import type { JsonObject } from '../../util/json.js';
import { ProgressChannel } from './progress.js';
import { spawnerOptionsFor } from './spawner-options.js';
import { settlesWithin } from './timeouts.js';
import { serverPrefixFor } from '../../spawner/spawn-env.js';
import { unroutableReason } from '../../util/names.js';
import { ServerRoutes } from './server-routes.js';
import { runSpawnSteps, type Live } from './spawn-steps.js';
import { resumeSpawn } from './resume.js';
import { claimStart } from './claim.js';
import { failureCategory } from './lifecycle.js';
import type { SpawnInternals, SpawnManagerDeps } from './spawn-deps.js';
import { followSpawn, followUntilStopped } from './follow.js';
import { tearDown, type TearDownOptions } from './teardown.js';
import { adoptServers, reattachOne } from './adopt.js';
import { reconcileRoutes } from './reconcile-routes.js';
import { pollServers } from './poll.js';

/** How long a start request waits before answering 202 (JupyterHub's slow_spawn_timeout). */
const SLOW_SPAWN_TIMEOUT_MS = 10_000;
const SLOW_STOP_TIMEOUT_MS = 10_000;

/**
 * The spawn lifecycle of hub-protocol.md §1.4: token and OAuth client, start, wait for HTTP,
 * proxy route; stop in reverse; reattach after a restart; poll running servers. State lives in
 * the database; this object only holds the spawner objects of active servers.
 */
export class SpawnManager {
  private readonly live = new Map<number, Live>();
  /** Failed spawns' final progress, so the progress API can report the failure once more. */
  private readonly failed = new Map<number, ProgressChannel>();
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly routes: ServerRoutes;
  /** This replica's id: the owner recorded on the servers it drives. */
  readonly replicaId: string;
  /** What the teardown, adoption and reconcile modules share with this object. */
  private readonly inner: SpawnInternals;

  constructor(private readonly d: SpawnManagerDeps) {
    this.replicaId = d.replicaId ?? `oneoff-${process.pid}-${Date.now().toString(36)}`;
    this.routes = new ServerRoutes({
      baseUrl: d.settings.baseUrl,
      proxy: d.proxy,
      log: d.log,
      metrics: d.metrics,
    });
    this.inner = {
      d,
      routes: this.routes,
      live: this.live,
      replicaId: this.replicaId,
      prefix: (u, s) => this.prefix(u, s),
      spawnerOptions: (u, s) => this.spawnerOptions(u, s),
      resumeSpawn: (a, live) => {
        live.spawning = this.runSpawn({ name: a.userName }, a, live, a).finally(
          () => (live.spawning = null),
        );
        live.spawning.catch(() => undefined);
      },
    };
  }

  prefix(userName: string, serverName: string): string {
    return serverPrefixFor(this.d.settings.baseUrl, userName, serverName);
  }

  pendingOf(rec: Pick<ServerRecord, 'status'> | null): 'spawn' | 'stop' | null {
    if (!rec) return null;
    return rec.status === 'spawning' ? 'spawn' : rec.status === 'stopping' ? 'stop' : null;
  }

  spawningCount(): number {
    let n = 0;
    for (const l of this.live.values()) if (l.spawning) n++;
    return n;
  }

  /**
   * Start a server. Resolves 'ready' if it is up within the slow-spawn timeout, else 'pending'
   * (the spawn continues). Throws HubError 400/429/500 as the REST API documents.
   */
  async start(
    user: User,
    serverName: string,
    userOptions: JsonObject | null,
    /** `rec`: the server's row as the caller just read it (null: none), not read again. */
    opts: { waitMs?: number; rec?: ServerRecord | null } = {},
  ): Promise<'ready' | 'pending'> {
    const label = serverName ? `${user.name}/${serverName}` : user.name;
    // Names the rules refuse never get a server (rows from before the rules: rename or delete).
    const unroutable = unroutableReason(user.name, serverName);
    if (unroutable) {
      this.d.log.error(`Refusing to start ${JSON.stringify(label)}: ${unroutable}`);
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Cannot start a server for ${JSON.stringify(label)}: ${unroutable}. An administrator can rename the user (PATCH /hub/api/users/{name}) or delete it.`,
      );
    }
    const claim = await claimStart(
      this.d,
      this.replicaId,
      () => this.spawningCount(),
      user,
      serverName,
      userOptions,
      opts.rec,
    );
    if (claim === 'pending') return 'pending';
    const { rec, options, created } = claim;
    this.failed.delete(rec.id);
    await this.d.lifecycle?.requested({
      serverId: rec.id,
      userId: user.id,
      userName: user.name,
      serverName,
      userOptions: options,
      newServer: created,
    });
    const progress = new ProgressChannel();
    progress.push({ progress: 0, message: 'Server requested' });
    const live: Live = {
      serverId: rec.id,
      userName: user.name,
      serverName,
      spawner: null as unknown as Spawner,
      progress,
      userOptions: options,
      spawning: null,
      stopping: null,
    };
    this.live.set(rec.id, live);
    const t0 = Date.now();
    live.spawning = this.runSpawn(user, { ...rec, userOptions: options }, live).then(
      () => {
        this.d.metrics.spawnDuration.observe(
          { status: 'success', reason: '' },
          (Date.now() - t0) / 1000,
        );
        live.spawning = null;
      },
      (e) => {
        const reason = isHubError(e) && e.code === 'LABHUB_ERR_SPAWN_TIMEOUT' ? 'timeout' : 'error';
        this.d.metrics.spawnDuration.observe({ status: 'error', reason }, (Date.now() - t0) / 1000);
        live.spawning = null;
        throw e;
      },
    );
    live.spawning.catch(() => undefined);
    const waitMs = opts.waitMs ?? SLOW_SPAWN_TIMEOUT_MS;
    if (waitMs <= 0) return 'pending';
    const done = await Promise.race([
      live.spawning.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), waitMs).unref()),
    ]);
    return done ? 'ready' : 'pending';
  }

  private spawnerOptions(userName: string, serverName: string): SpawnerOptions {
    return spawnerOptionsFor(this.d.settings.spawner, userName, this.prefix(userName, serverName));
  }

  private async runSpawn(
    user: Pick<User, 'name'>,
    rec: ServerRecord,
    live: Live,
    resumed?: ActiveServer,
  ): Promise<void> {
    const full = `${user.name}/${rec.name}`;
    const log = this.d.log.child({ user: user.name, server: rec.name });
    try {
      const deps = {
        ...this.d,
        routes: this.routes,
        options: this.spawnerOptions(user.name, rec.name),
        owner: this.replicaId,
      };
      if (resumed) await resumeSpawn(deps, resumed, live, log);
      else await runSpawnSteps(deps, user as User, rec, live, log);
      await this.d.lifecycle?.ready(rec.id);
    } catch (e) {
      const reason = isHubError(e) ? e.userMessage : (e as Error).message;
      log.error({ err: isHubError(e) ? undefined : e }, `Spawn of ${full} failed: ${reason}`);
      this.failed.set(rec.id, live.progress);
      try {
        await this.cleanup(user.name, rec, live, {
          now: true,
          error: reason,
          end: { reason: 'failed', detail: failureCategory(e) },
        });
      } finally {
        // Announced once the row says so: a page asked for on this event shows the failure.
        live.progress.push({
          progress: 100,
          failed: true,
          message: reason === 'Spawn cancelled' ? reason : `Spawn failed: ${reason}`,
        });
      }
      throw isHubError(e)
        ? e
        : new HubError('LABHUB_ERR_SPAWN_FAILED', 500, `Spawn failed: ${reason}`);
    }
  }

  /** Stop: route first, then the process, then the server's token and OAuth client (§1.4). */
  async stop(
    user: User,
    serverName: string,
    why: 'stopped' | 'culled' = 'stopped',
    attempt = 0,
    /** The server's row as the caller just read it (null: none), not read again. */
    known?: ServerRecord | null,
  ): Promise<'stopped' | 'pending'> {
    const rec = known !== undefined ? known : await this.d.store.servers.get(user.id, serverName);
    if (!rec || rec.status === 'stopped') return 'stopped';
    let live = this.live.get(rec.id);
    if (live?.stopping) {
      return (await settlesWithin(live.stopping, SLOW_STOP_TIMEOUT_MS)) ? 'stopped' : 'pending';
    }
    // Another replica is stopping it (or this stop lost a race): follow the row.
    if (rec.status === 'stopping') return this.followUntilStopped(rec.id);
    const servers = this.d.store.servers;
    const retry = () => {
      if (attempt >= 5) return this.followUntilStopped(rec.id);
      return this.stop(user, serverName, why, attempt + 1);
    };
    if (rec.status === 'spawning' && !live?.spawning) {
      // A spawn driven by another replica: mark it stopping; its owner cancels and cleans up.
      if (!(await servers.claimForStop(rec.id, 'spawning'))) return retry();
      return this.followUntilStopped(rec.id);
    }
    // Running (this replica takes it over and stops it), or spawning here.
    const claimed =
      rec.status === 'running'
        ? await servers.claimForStop(rec.id, 'running', this.replicaId)
        : await servers.claimForStop(rec.id, 'spawning');
    if (!claimed) return retry();
    if (!live) live = reattachOne(this.inner, user.name, rec);
    const t0 = Date.now();
    const l = live;
    l.stopping = (async () => {
      if (l.spawning) await l.spawning.catch(() => undefined);
      const fresh = await this.d.store.servers.byId(rec.id);
      if (fresh && fresh.status !== 'stopped')
        await this.cleanup(user.name, fresh, l, { now: false, end: { reason: why }, read: true });
    })().then(
      () => this.d.metrics.stopDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000),
      (e) => {
        this.d.metrics.stopDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
        this.d.log.error({ err: e }, `Stopping ${user.name}/${serverName} failed`);
      },
    );
    return (await settlesWithin(l.stopping, SLOW_STOP_TIMEOUT_MS)) ? 'stopped' : 'pending';
  }

  /** Wait (up to the slow-stop timeout) for another replica to finish a stop. */
  private followUntilStopped(id: number): Promise<'stopped' | 'pending'> {
    return followUntilStopped(this.d.store, id, SLOW_STOP_TIMEOUT_MS);
  }

  /** Tear down everything a server holds; the record ends 'stopped'. Never throws. */
  private cleanup(
    userName: string,
    rec: ServerRecord,
    live: Live | undefined,
    opts: TearDownOptions,
  ): Promise<void> {
    return tearDown(this.inner, userName, rec, live, opts);
  }

  /** Progress events of a server's current (or last failed) spawn; null if none (§8). */
  progressOf(rec: ServerRecord): ProgressChannel | null {
    const live = this.live.get(rec.id);
    if (live && (live.spawning || rec.status === 'spawning')) return live.progress;
    if (rec.status === 'spawning' && rec.ownerReplica !== this.replicaId) {
      const sp = this.d.settings.spawner;
      const timeoutMs = (sp.startTimeout + sp.httpTimeout) * 1000 + 30_000;
      return followSpawn(this.d.store, rec, timeoutMs, (u, s) => this.prefix(u, s));
    }
    // A running server's stream is a single ready event, built by the API route.
    return this.failed.get(rec.id) ?? null;
  }

  /**
   * After a restart: look only at servers the database says are active (cost follows running
   * servers, not users). Running ones keep running and get their route back; dead ones are cleaned.
   * Routes already in an adopted proxy with the right target are kept (no request); the others
   * are added while the spawner is polled, so routes are in place after one round trip each,
   * and a server found dead loses its route again in the cleanup.
   */
  async reattachAll(liveReplicas: string[] = []): Promise<{ running: number; cleaned: number }> {
    const t0 = Date.now();
    const existing = await this.d.proxy.getAllRoutes().catch(() => new Map<string, Route>());
    const r = await adoptServers(
      this.inner,
      liveReplicas,
      existing,
      'The hub restarted while this server was starting.',
    );
    // Routes an older hub put where no server's route belongs (e.g. `/user` for a user named '.').
    await this.routes.removeStray(existing, this.d.settings.baseUrl);
    this.d.metrics.runningServers.set(r.running);
    this.d.metrics.initSpawnersDuration.observe((Date.now() - t0) / 1000);
    return r;
  }

  /**
   * The leader's adoption scan (docs/high-availability.md): servers whose owner is not among
   * `liveReplicas` (a replica that died, or none) are claimed, one adopter each, and reattached
   * like after a restart: running ones kept (route checked), others cleaned up.
   */
  async adoptOrphans(liveReplicas: string[]): Promise<{ running: number; cleaned: number }> {
    const orphans = await this.d.store.servers.orphaned([...liveReplicas, this.replicaId]);
    if (!orphans.length) return { running: 0, cleaned: 0 };
    const existing = await this.d.proxy.getAllRoutes().catch(() => new Map<string, Route>());
    const r = await adoptServers(
      this.inner,
      liveReplicas,
      existing,
      'The hub replica starting this server died.',
    );
    for (let i = 0; i < r.running; i++) this.d.metrics.runningServers.inc();
    return r;
  }

  /** The leader's route reconcile of each proxy against the database (see reconcileRoutes). */
  reconcileRoutes(
    proxies: Array<{ apiUrl: string; proxy: Proxy }>,
    hub?: { spec: string; target: string; data: JsonObject },
  ): Promise<{ added: number; removed: number; failed: string[] }> {
    return reconcileRoutes(this.inner, proxies, hub);
  }

  /** Re-push every route (the proxy restarted and lost its table), all at once (the proxy client bounds concurrency). */
  async restoreRoutes(): Promise<number> {
    return this.routes.restore(await this.d.store.servers.active());
  }

  /** Poll running servers every poll_interval; a dead one loses its route and is marked stopped. */
  startPolling(): void {
    const every = Math.max(1, this.d.settings.spawner.pollInterval) * 1000;
    this.pollTimer = setInterval(
      () => void this.pollOnce().catch((e) => this.d.log.warn({ err: e }, 'server poll failed')),
      every,
    );
    this.pollTimer.unref();
  }

  pollOnce(): Promise<void> {
    return pollServers(this.inner);
  }

  /** Servers this hub drives that are up (not spawning or stopping), for the usage sampler. */
  runningServers(): Array<{
    serverId: number;
    usage?: () => ReturnType<NonNullable<Spawner['usage']>>;
  }> {
    return [...this.live.values()]
      .filter((l) => !l.spawning && !l.stopping && l.spawner)
      .map((l) => ({ serverId: l.serverId, usage: l.spawner.usage?.bind(l.spawner) }));
  }

  /** Stop timers. Servers keep running (labhub never stops user servers on hub shutdown by default). */
  close(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
  }

  /** Stop every active server (shutdown with servers=true). */
  async stopAll(): Promise<void> {
    for (const a of await this.d.store.servers.active()) {
      const user = await this.d.store.users.byId(a.userId);
      if (user) await this.stop(user, a.name).catch(() => undefined);
    }
    await Promise.all([...this.live.values()].flatMap((l) => (l.stopping ? [l.stopping] : [])));
  }
}
