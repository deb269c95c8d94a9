import type { Logger } from '../log.js';
import { HubError, isHubError } from '../errors.js';
import type { ServerRecord, Store, User } from '../db/index.js';
import type { Proxy } from '../proxy/types.js';
import type { Spawner, SpawnerDefinition, SpawnerOptions } from '../spawner/types.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { JsonObject } from './json.js';
import type { Permissions } from './permissions.js';
import { ProgressChannel, readyEvent, type ProgressEvent } from './progress.js';
import { spawnerOptionsFor } from './spawner-options.js';
import { settlesWithin, withTimeout } from './timeouts.js';
import { serverTokenScopes } from './roles.js';
import type { Settings } from './settings.js';
import { bindUrlFor, buildHubEnv, clientIdFor, serverPrefixFor } from './spawn-env.js';
import { waitForHttp } from './wait-http.js';

/** A server this hub process is driving right now (spawning, running or stopping). */
interface Live {
  serverId: number;
  userName: string;
  serverName: string;
  spawner: Spawner;
  progress: ProgressChannel;
  /** Settles when the current spawn finishes (resolves on success, rejects with the reason). */
  spawning: Promise<void> | null;
  stopping: Promise<void> | null;
}

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

  constructor(private readonly d: SpawnManagerDeps) {}

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
    const rec = await this.d.store.servers.ensure(user.id, serverName);
    const label = serverName ? `${user.name}/${serverName}` : user.name;
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
    live.spawning = this.runSpawn(user, rec, live).then(
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
    const s = this.d.settings;
    const prefix = this.prefix(user.name, rec.name);
    const full = `${user.name}/${rec.name}`;
    const log = this.d.log.child({ user: user.name, server: rec.name });
    try {
      // 1. the server's own API token (scopes of §1.4 step 2) and its OAuth client (step 3)
      const groupsOf = await this.d.permissions.groupsOf([user.name]);
      const tokenScopes = serverTokenScopes(
        {
          userName: user.name,
          serverName: rec.name,
          configured: s.spawner.serverTokenScopes,
          ownerRawScopes: await this.d.permissions.userRawScopes(user),
          rolesByName: this.d.permissions.roles(),
          customScopes: this.d.permissions.customScopes,
        },
        groupsOf,
      );
      for (const w of tokenScopes.warnings) log.warn(w);
      const { token } = await this.d.store.tokens.create({
        userId: user.id,
        scopes: tokenScopes.scopes,
        note: `Server at ${prefix}`,
      });
      const clientId = clientIdFor(user.name, rec.name);
      // `jupyterhub-user-<name>[-<server>]` is ambiguous: user 'a-b' and server 'b' of user 'a'
      // get the same id. Never let one server take over (or revoke) another's OAuth client.
      const existing = await this.d.store.oauth.client(clientId);
      if (existing?.serverId != null && existing.serverId !== rec.id) {
        const other = await this.d.store.servers.byId(existing.serverId);
        if (other && other.status !== 'stopped') {
          throw new HubError(
            'LABHUB_ERR_CONFLICT',
            409,
            `The OAuth client id ${clientId} of this server is already used by another running server (a user name and a server name combine to the same id). Stop that server, or use another server name.`,
          );
        }
      }
      const accessScope = `access:servers!server=${full}`;
      const allowed = [...new Set([...s.spawner.oauthClientAllowedScopes, accessScope])].sort();
      await this.d.store.oauth.upsertClient({
        id: clientId,
        secret: token,
        redirectUri: `${prefix}oauth_callback`,
        description: `Server at ${prefix}`,
        allowedScopes: allowed,
        serverId: rec.id,
      });

      // 2. the command (labhub may have to create its Python environment first)
      const options = this.spawnerOptions(user.name, rec.name);
      if (this.d.resolveCommand) {
        const resolved = await this.d.resolveCommand(options.cmd, (msg) =>
          live.progress.push({ progress: 10, message: msg }),
        );
        options.cmd = resolved.cmd;
        if (resolved.pathPrefix)
          options.extra = { ...options.extra, pathPrefix: resolved.pathPrefix };
      }
      const accessScopes = s.spawner.oauthAccessScopes.length
        ? s.spawner.oauthAccessScopes
        : [accessScope, `access:servers!user=${user.name}`];
      const hubEnv = buildHubEnv({
        userName: user.name,
        serverName: rec.name,
        apiToken: token,
        hubApiUrl: s.hubApiUrl,
        baseUrl: s.baseUrl,
        serverPrefix: prefix,
        bindUrl: bindUrlFor(s.spawner.ip, s.spawner.port, prefix),
        oauthAccessScopes: accessScopes,
        oauthClientAllowedScopes: s.spawner.oauthClientAllowedScopes,
        rootDir: options.notebookDir || undefined,
        defaultUrl: options.defaultUrl || undefined,
        debug: s.spawner.debug,
        disableUserConfig: s.spawner.disableUserConfig,
        publicUrl: s.publicUrl ?? undefined,
        memLimit: s.spawner.memLimit,
        cpuLimit: s.spawner.cpuLimit,
      });
      const spawner = this.d.spawner.create({
        user: { id: user.id, name: user.name },
        serverName: rec.name,
        hubEnv,
        options,
        log,
      });
      live.spawner = spawner;
      this.pipeProgress(spawner, live.progress);

      // 3. start, within start_timeout
      live.progress.push({ progress: 50, message: 'Spawning server...' });
      const started = await withTimeout(
        spawner.start(),
        s.spawner.startTimeout * 1000,
        () =>
          new HubError(
            'LABHUB_ERR_SPAWN_TIMEOUT',
            500,
            `The server did not start within ${s.spawner.startTimeout} seconds (Spawner.start_timeout).`,
          ),
      );
      await this.d.store.servers.update(rec.id, { target: started.url, state: spawner.getState() });

      // 4. wait until it answers HTTP (fails at once if the process exits)
      live.progress.push({ progress: 75, message: 'Waiting for the server to answer...' });
      const version = await waitForHttp(
        `${started.url}${prefix}api`,
        s.spawner.httpTimeout,
        async () => {
          const status = await spawner.poll();
          if (status === null) return null;
          const tail = spawner.recentOutput?.().trim();
          return `The server process exited with status ${status} before it was ready.${tail ? `\nLast output:\n${tail}` : ''}`;
        },
      );
      if (live.stopping) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');

      // 5. route it
      await this.addRoute(user.name, rec.name, started.url);
      await this.d.store.servers.update(rec.id, { status: 'running', serverVersion: version });
      this.d.metrics.runningServers.inc();
      log.info({ url: started.url }, `Server ${full} ready at ${prefix}`);
      live.progress.push(readyEvent(prefix));
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

  private pipeProgress(spawner: Spawner, channel: ProgressChannel): void {
    if (!spawner.progress) return;
    void (async () => {
      try {
        for await (const ev of spawner.progress!()) {
          if (channel.isClosed) break;
          const { ready: _r, ...rest } = ev as ProgressEvent;
          channel.push(rest);
        }
      } catch {
        /* progress is best effort */
      }
    })();
  }

  async addRoute(userName: string, serverName: string, target: string): Promise<void> {
    const t0 = Date.now();
    try {
      await this.d.proxy.addRoute(this.prefix(userName, serverName), target, {
        user: userName,
        server_name: serverName,
      });
      this.d.metrics.proxyAddDuration.observe({ status: 'success' }, (Date.now() - t0) / 1000);
    } catch (e) {
      this.d.metrics.proxyAddDuration.observe({ status: 'failure' }, (Date.now() - t0) / 1000);
      throw e;
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
    try {
      await this.d.proxy.deleteRoute(this.prefix(userName, rec.name));
    } catch (e) {
      this.d.log.warn({ err: e }, `Could not delete the proxy route of ${userName}/${rec.name}`);
    }
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
    const existing = active.length
      ? await this.d.proxy.getAllRoutes().catch(() => new Map<string, { target: string }>())
      : new Map<string, { target: string }>();
    await Promise.all(
      active.map(async (a) => {
        const live = await this.reattachOne(a.userName, a);
        let status: number | null = 1;
        if (a.status === 'running' && a.target) {
          const routed =
            existing.get(this.prefix(a.userName, a.name))?.target === a.target
              ? Promise.resolve()
              : this.addRoute(a.userName, a.name, a.target).catch((e) =>
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
            error:
              a.status === 'spawning'
                ? 'The hub restarted while this server was starting.'
                : undefined,
          });
        }
      }),
    );
    this.d.metrics.runningServers.set(running);
    this.d.metrics.initSpawnersDuration.observe((Date.now() - t0) / 1000);
    return { running, cleaned };
  }

  /** Re-push every route (the proxy restarted and lost its table), all at once (the proxy client bounds concurrency). */
  async restoreRoutes(): Promise<number> {
    const routable = (await this.d.store.servers.active()).filter(
      (a) => a.status === 'running' && a.target,
    );
    await Promise.all(routable.map((a) => this.addRoute(a.userName, a.name, a.target!)));
    return routable.length;
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
