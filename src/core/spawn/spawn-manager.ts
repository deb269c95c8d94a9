import type { Logger } from '../../log.js';
import { HubError, isHubError } from '../../errors.js';
import type { ServerRecord, Store, User } from '../../db/index.js';
import type { Proxy, Route } from '../../proxy/types.js';
import type { Spawner, SpawnerDefinition, SpawnerOptions } from '../../spawner/types.js';
import type { HubMetrics } from '../../metrics/hub-metrics.js';
import type { JsonObject } from '../../util/json.js';
import type { Permissions } from '../rbac/permissions.js';
import { ProgressChannel } from './progress.js';
import { spawnerOptionsFor } from './spawner-options.js';
import { settlesWithin } from './timeouts.js';
import type { Settings } from '../settings.js';
import { clientIdFor, serverPrefixFor } from '../../spawner/spawn-env.js';
import { unroutableReason } from '../../util/names.js';
import { ServerRoutes } from './server-routes.js';
import { runSpawnSteps, type Live } from './spawn-steps.js';

export interface SpawnManagerDeps {
  settings: Settings;
  store: Store;
  log: Logger;
  permissions: Permissions;
  proxy: Proxy;
  metrics: HubMetrics;
  spawner: SpawnerDefinition;
  /** Resolves the single-user command (creating labhub's Python environment if needed). */
  resolveCommand?: (
    cmd: string[],
    report: (msg: string) => void,
  ) => Promise<{ cmd: string[]; pathPrefix?: string }>;
}

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

  constructor(private readonly d: SpawnManagerDeps) {
    this.routes = new ServerRoutes({
      baseUrl: d.settings.baseUrl,
      proxy: d.proxy,
      log: d.log,
      metrics: d.metrics,
    });
  }

  prefix(userName: string, serverName: string): string {
    return serverPrefixFor(this.d.settings.baseUrl, userName, serverName);
  }

  pendingOf(rec: ServerRecord | null): 'spawn' | 'stop' | null {
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
    opts: { waitMs?: number } = {},
  ): Promise<'ready' | 'pending'> {
    const s = this.d.settings;
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
    const rec = await this.d.store.servers.ensure(user.id, serverName);
    if (rec.status === 'spawning') return 'pending';
    if (rec.status === 'running')
      throw new HubError('LABHUB_ERR_CONFLICT', 400, `${label} is already running`);
    if (rec.status === 'stopping')
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        400,
        `${label} is pending stop; try again when it has stopped`,
      );
    if (s.concurrentSpawnLimit > 0 && this.spawningCount() >= s.concurrentSpawnLimit) {
      this.d.metrics.spawnDuration.observe({ status: 'failure', reason: 'throttled' }, 0);
      const retry = 30 + Math.floor(Math.random() * 30);
      throw new HubError(
        'LABHUB_ERR_TOO_MANY_REQUESTS',
        429,
        `Too many users trying to log in right now (${this.spawningCount()} servers starting). Try again in ${retry} seconds.`,
        { headers: { 'Retry-After': String(retry) } },
      );
    }
    if (
      s.activeServerLimit > 0 &&
      (await this.d.store.servers.countActive()) >= s.activeServerLimit
    ) {
      this.d.metrics.spawnDuration.observe({ status: 'failure', reason: 'too-many-users' }, 0);
      throw new HubError(
        'LABHUB_ERR_TOO_MANY_REQUESTS',
        429,
        `Active user limit (${s.activeServerLimit}) reached. Try again later.`,
        { headers: { 'Retry-After': '60' } },
      );
    }
    const options = userOptions ?? rec.userOptions;
    await this.d.store.servers.update(rec.id, {
      status: 'spawning',
      started: new Date(),
      lastError: null,
      userOptions: options,
      target: null,
    });
    this.failed.delete(rec.id);
    const progress = new ProgressChannel();
    progress.push({ progress: 0, message: 'Server requested' });
    const live: Live = {
      serverId: rec.id,
      userName: user.name,
      serverName,
      spawner: null as unknown as Spawner,
      progress,
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

  private async runSpawn(user: User, rec: ServerRecord, live: Live): Promise<void> {
    const full = `${user.name}/${rec.name}`;
    const log = this.d.log.child({ user: user.name, server: rec.name });
    try {
      await runSpawnSteps(
        { ...this.d, routes: this.routes, options: this.spawnerOptions(user.name, rec.name) },
        user,
        rec,
        live,
        log,
      );
    } catch (e) {
      const reason = isHubError(e) ? e.userMessage : (e as Error).message;
      log.error({ err: isHubError(e) ? undefined : e }, `Spawn of ${full} failed: ${reason}`);
      live.progress.push({
        progress: 100,
        failed: true,
        message: reason === 'Spawn cancelled' ? reason : `Spawn failed: ${reason}`,
      });
      this.failed.set(rec.id, live.progress);
      await this.cleanup(user.name, rec, live, { now: true, error: reason });
      throw isHubError(e)
        ? e
        : new HubError('LABHUB_ERR_SPAWN_FAILED', 500, `Spawn failed: ${reason}`);
    }
  }

  /** Stop: route first, then the process, then the server's token and OAuth client (§1.4). */
  async stop(user: User, serverName: string): Promise<'stopped' | 'pending'> {
    const rec = await this.d.store.servers.get(user.id, serverName);
    if (!rec || rec.status === 'stopped') return 'stopped';
    let live = this.live.get(rec.id);
    if (live?.stopping) {
      return (await settlesWithin(live.stopping, SLOW_STOP_TIMEOUT_MS)) ? 'stopped' : 'pending';
    }
    if (!live) live = await this.reattachOne(user.name, rec);
    const t0 = Date.now();
    await this.d.store.servers.update(rec.id, { status: 'stopping' });
    const l = live;
    l.stopping = (async () => {
      if (l.spawning) await l.spawning.catch(() => undefined);
      const fresh = await this.d.store.servers.byId(rec.id);
      if (fresh && fresh.status !== 'stopped')
        await this.cleanup(user.name, fresh, l, { now: false });
    })().then(
      () => this.d.metrics.stopDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000),
      (e) => {
        this.d.metrics.stopDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
        this.d.log.error({ err: e }, `Stopping ${user.name}/${serverName} failed`);
      },
    );
    return (await settlesWithin(l.stopping, SLOW_STOP_TIMEOUT_MS)) ? 'stopped' : 'pending';
  }

  /** Tear down everything a server holds; the record ends 'stopped'. Never throws. */
  private async cleanup(
    userName: string,
    rec: ServerRecord,
    live: Live | undefined,
    opts: { now: boolean; error?: string },
  ): Promise<void> {
    const wasRunning = rec.status === 'running' || rec.status === 'stopping';
    await this.routes.remove(userName, rec.name);
    try {
      if (live?.spawner) await live.spawner.stop({ now: opts.now });
    } catch (e) {
      this.d.log.warn({ err: e }, `Spawner stop of ${userName}/${rec.name} failed`);
    }
    const clientId = clientIdFor(userName, rec.name);
    const client = await this.d.store.oauth.client(clientId);
    if (client && (client.serverId === null || client.serverId === rec.id)) {
      // Only this server's own client (see the collision check in runSpawn).
      await this.d.store.tokens.deleteForClient(clientId);
      await this.d.store.oauth.deleteClient(clientId);
    }
    const prefix = this.prefix(userName, rec.name);
    await this.d.store.tokens.deleteForUserNote(rec.userId, `Server at ${prefix}`);
    await this.d.store.servers.update(rec.id, {
      status: 'stopped',
      target: null,
      state: {},
      ...(opts.error !== undefined ? { lastError: opts.error } : {}),
    });
    if (wasRunning && rec.status !== 'spawning') this.d.metrics.runningServers.dec();
    this.live.delete(rec.id);
  }

  /** Progress events of a server's current (or last failed) spawn; null if none (§8). */
  progressOf(rec: ServerRecord): ProgressChannel | null {
    const live = this.live.get(rec.id);
    if (live && (live.spawning || rec.status === 'spawning')) return live.progress;
    // A running server's stream is a single ready event, built by the API route.
    return this.failed.get(rec.id) ?? null;
  }

  /** Create a spawner object for a server found in the database (after a hub restart). */
  private async reattachOne(userName: string, rec: ServerRecord): Promise<Live> {
    const options = this.spawnerOptions(userName, rec.name);
    const spawner = this.d.spawner.create({
      user: { id: rec.userId, name: userName },
      serverName: rec.name,
      hubEnv: {},
      options,
      userOptions: rec.userOptions ?? undefined,
      log: this.d.log.child({ user: userName, server: rec.name }),
    });
    spawner.loadState(rec.state);
    const live: Live = {
      serverId: rec.id,
      userName,
      serverName: rec.name,
      spawner,
      progress: new ProgressChannel(),
      spawning: null,
      stopping: null,
    };
    this.live.set(rec.id, live);
    return live;
  }

  /**
   * After a restart: look only at servers the database says are active (cost follows running
   * servers, not users). Running ones keep running and get their route back; dead ones are cleaned.
   * Routes already in an adopted proxy with the right target are kept (no request); the others
   * are added while the spawner is polled, so routes are in place after one round trip each,
   * and a server found dead loses its route again in the cleanup.
   */
  async reattachAll(): Promise<{ running: number; cleaned: number }> {
    const t0 = Date.now();
    let running = 0;
    let cleaned = 0;
    const active = await this.d.store.servers.active();
    const existing = await this.d.proxy.getAllRoutes().catch(() => new Map<string, Route>());
    await Promise.all(
      active.map(async (a) => {
        const live = await this.reattachOne(a.userName, a);
        let status: number | null = 1;
        const routable = this.routes.routable(a.userName, a.name);
        if (a.status === 'running' && a.target && routable) {
          const routed =
            existing.get(this.prefix(a.userName, a.name))?.target === a.target
              ? Promise.resolve()
              : this.routes
                  .add(a.userName, a.name, a.target)
                  .catch((e) =>
                    this.d.log.warn(
                      { err: e },
                      `Could not restore the route of ${a.userName}/${a.name}`,
                    ),
                  );
          [status] = await Promise.all([live.spawner.poll(), routed]);
        }
        if (status === null) {
          running++;
        } else {
          cleaned++;
          await this.cleanup(a.userName, a, live, {
            now: true,
            error: !routable
              ? `Not routed: ${unroutableReason(a.userName, a.name)}.`
              : a.status === 'spawning'
                ? 'The hub restarted while this server was starting.'
                : undefined,
          });
        }
      }),
    );
    // Routes an older hub put where no server's route belongs (e.g. `/user` for a user named '.').
    await this.routes.removeStray(existing, this.d.settings.baseUrl);
    this.d.metrics.runningServers.set(running);
    this.d.metrics.initSpawnersDuration.observe((Date.now() - t0) / 1000);
    return { running, cleaned };
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

  async pollOnce(): Promise<void> {
    for (const live of [...this.live.values()]) {
      if (live.spawning || live.stopping) continue;
      const rec = await this.d.store.servers.byId(live.serverId);
      if (!rec || rec.status !== 'running') continue;
      const t0 = Date.now();
      const status = await live.spawner.poll();
      this.d.metrics.serverPollDuration.observe(
        { status: status === null ? 'running' : 'stopped' },
        (Date.now() - t0) / 1000,
      );
      if (status !== null) {
        this.d.log.warn(
          `Server ${live.userName}/${live.serverName} exited with status ${status}; removing its route`,
        );
        await this.cleanup(live.userName, rec, live, {
          now: true,
          error: `The server exited unexpectedly (status ${status}).`,
        });
      }
    }
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
