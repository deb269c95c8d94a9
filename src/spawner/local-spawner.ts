/**
 * The machinery shared by the local spawners: one server as a local process on this machine.
 * What differs between them — which account runs the server, its USER/HOME, its working
 * directory, what the command line must contain — is a {@link LocalRunAs} strategy.
 *
 * Port decision: with `Spawner.port = 0` the spawner picks a free port itself (server-ports.ts:
 * outside the kernel's ephemeral range, reserved until the server listens; started again on
 * another port, 3 starts in all, when the server says its port was taken before it could listen)
 * and **owns the host and port of `JUPYTERHUB_SERVICE_URL`**: it rewrites
 * the hub-provided value with {@link withServiceUrl} (keeping scheme and path). The hub may
 * therefore build `hubEnv` with `bindUrlFor(ip, 0, prefix)`.
 *
 * `start()` resolves once the process accepts TCP connections on that port (the hub still does
 * its HTTP check); it rejects with LABHUB_ERR_SPAWN_FAILED (with the output tail) if the process
 * exits first, LABHUB_ERR_SPAWN_TIMEOUT after `start_timeout`, LABHUB_ERR_USER_ENV when the Python
 * environment cannot be made. On any failure the process group is killed.
 */
import { HubError, isHubError } from '../errors.js';
import type { JsonObject } from '../util/json.js';
import { withServiceUrl } from './spawn-env.js';
import type { Logger } from '../log.js';
import type { ServerUsage, Spawner, SpawnerContext, SpawnProgress } from './types.js';
import { localServerUsage } from './usage-proc.js';
import { LocalProcessState } from './local-process-state.js';
import { ensureServerEnv, launchServer } from './local-launch.js';
import { randomUUID } from 'node:crypto';
import { connectHost, LAUNCH_ENV, tcpAccepts } from './proc.js';
import { listenerOf, pickServerPort } from './server-ports.js';
import type { UnixUser } from './unix-user.js';
import { FALLBACK_PATH, hostForUrl, serverLabel, sleep, within } from './spawner-util.js';
import { commonLocalOptions } from './local-options.js';
import { sharedEnvSitePath } from './shared-env.js';

/** What a {@link LocalRunAs} decided for one start. */
export interface RunAsPlan {
  /** The account whose uid/gid run the server. */
  account: UnixUser;
  /** true: drop from root to `account` (setpriv); false: run as the hub's own process user. */
  switchUser: boolean;
  /** USER, HOME, SHELL… of the server (applied after env_keep and the hub's variables). */
  env: Record<string, string>;
  /** Working directory of the server (exists). */
  cwd: string;
  /**
   * Last look at the command line: `resolved` is the executable found on PATH. Returns the argv
   * to run (e.g. with `--allow-root` added) or throws LABHUB_ERR_SPAWN_FAILED.
   */
  finishArgv(argv: string[], resolved: string): string[];
}

/** What a {@link LocalRunAs} may use while preparing a start. */
export interface RunAsIo {
  progress(message: string): void;
  log: Logger;
}

/** The part of a local spawner that differs: who runs the server, and where. */
export interface LocalRunAs {
  /**
   * Called at each start, before anything is launched: decide the account and make the
   * directories the server needs. Throws HubError (LABHUB_ERR_SPAWN_FAILED, LABHUB_ERR_CONFIG)
   * saying what is wrong and what to do. `io.progress` adds a line to the spawn's progress
   * events; `io.log` is the server's logger.
   */
  prepare(io: RunAsIo): Promise<RunAsPlan>;
}

/** Starts of one server when its port is taken before it listens (server-ports.ts). */
const PORT_ATTEMPTS = 3;
/** How servers say their port is taken: Node, Python, jupyter-server. */
const PORT_IN_USE = /EADDRINUSE|address already in use|port \d+ is already in use/i;

/** One (user, server name) run as a local process; see the file comment. */
export class LocalSpawner implements Spawner {
  private readonly state: LocalProcessState;
  private events: SpawnProgress[] = [];
  private eventWaiters = new Set<() => void>();
  private starting = false;
  /** prepare() ran and start() has not yet: start() continues its progress events. */
  private prepared = false;
  /** stop() was called during this start: the start must not go on to launch or report. */
  private stopRequested = false;
  private readonly log: Logger;
  private readonly who: string;

  constructor(
    private readonly ctx: SpawnerContext,
    spawnerId: string,
    private readonly runAs: LocalRunAs,
  ) {
    this.log = ctx.log.child({ spawner: spawnerId, user: ctx.user.name, server: ctx.serverName });
    this.who = serverLabel(ctx.user.name, ctx.serverName);
    this.state = new LocalProcessState(this.log, this.who, ctx.options.extra);
  }

  private emit = (message: string, progress?: number): void => {
    this.events.push(progress === undefined ? { message } : { progress, message });
    this.wakeProgress();
  };

  private wakeProgress(): void {
    const waiters = [...this.eventWaiters];
    this.eventWaiters.clear();
    for (const w of waiters) w();
  }

  /**
   * labhub's Python environment, made before start() when the command needs it: a first build
   * takes minutes and is not the server starting, so start_timeout does not cover it. Its steps
   * are progress events, continued by start().
   */
  async prepare(): Promise<void> {
    this.events = [];
    this.starting = true;
    this.prepared = true;
    const o = this.ctx.options;
    const cmd0 = o.cmd.length ? o.cmd[0] : 'jupyterhub-singleuser';
    try {
      await ensureServerEnv(
        { ctx: this.ctx, log: this.log, progress: this.emit },
        cmd0,
        this.searchPath(),
      );
    } catch (e) {
      this.endPrepared();
      throw e;
    }
  }

  /** The PATH the server will get, as far as it is known before start (see doStart). */
  private searchPath(): string {
    const o = this.ctx.options;
    const kept = o.envKeep.includes('PATH') ? process.env.PATH : undefined;
    return o.environment.PATH ?? this.ctx.hubEnv.PATH ?? kept ?? FALLBACK_PATH;
  }

  private endPrepared(): void {
    this.prepared = false;
    this.starting = false;
    this.wakeProgress();
  }

  async start(): Promise<{ url: string }> {
    if (this.state.pid !== null && this.state.poll() === null) {
      if (this.prepared) this.endPrepared(); // the progress reader must not wait for a start
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `The server of ${this.who} is already running (pid ${this.state.pid}); stop it first.`,
      );
    }
    this.state.reset();
    this.stopRequested = false;
    if (!this.prepared) this.events = [];
    this.prepared = false;
    this.starting = true;
    try {
      return await this.doStart();
    } catch (e) {
      if (this.state.pid !== null) await this.state.stop({ now: true }).catch(() => {});
      throw e;
    } finally {
      this.starting = false;
      this.wakeProgress();
    }
  }

  private async doStart(): Promise<{ url: string }> {
    const o = this.ctx.options;
    const plan = await this.runAs.prepare({ progress: this.emit, log: this.log });
    this.throwIfStopped();
    const base: Record<string, string> = {};
    for (const k of o.envKeep) if (process.env[k] !== undefined) base[k] = process.env[k]!;
    Object.assign(base, this.ctx.hubEnv, plan.env);
    for (let attempt = 1; ; attempt++) {
      const picked = o.port > 0 ? null : await pickServerPort(o.ip);
      this.state.port = picked?.port ?? o.port;
      try {
        return await this.launchAndWait(plan, this.serverEnv(base));
      } catch (e) {
        // A port picked here and bound by another program before the server's listen
        // (server-ports.ts): once more on another port.
        if (!picked || attempt >= PORT_ATTEMPTS || !this.lostPort(e)) throw e;
        await this.state.stop({ now: true }).catch(() => undefined);
        this.log.warn(
          `the server of ${this.who} could not listen on port ${picked.port} (taken by another program meanwhile); starting it again on another port`,
        );
        this.emit(`Port ${picked.port} was taken meanwhile; starting again on another port`);
        this.state.reset();
      } finally {
        picked?.release();
      }
    }
  }

  /** The server's environment on `this.state.port` (see doStart). */
  private serverEnv(base: Record<string, string>): Record<string, string> {
    const o = this.ctx.options;
    // '' = all interfaces
    const env = withServiceUrl({ ...base }, o.ip === '*' ? '' : o.ip, this.state.port);
    Object.assign(env, o.environment);
    // The hub's own secrets never reach a user's server (its user could read them there).
    delete env.CONFIGPROXY_AUTH_TOKEN;
    delete env.JPY_COOKIE_SECRET;
    env.PATH ??= FALLBACK_PATH;
    // The shared environment admins manage (Labhub.shared_env_dir): after the servers' own entries.
    const shared = commonLocalOptions(o.extra).shared_env_dir;
    if (shared)
      env.PYTHONPATH = [env.PYTHONPATH, sharedEnvSitePath(shared)].filter(Boolean).join(':');
    return env;
  }

  /**
   * The start failed because its port was taken: another program listens there, or the process
   * exited before listening saying its port was in use.
   */
  private lostPort(e: unknown): boolean {
    if (isHubError(e) && /another program listens on its port/.test(e.userMessage)) return true;
    return this.state.exitStatus !== null && PORT_IN_USE.test(this.state.ring.tail(20));
  }

  private async launchAndWait(
    plan: RunAsPlan,
    env: Record<string, string>,
  ): Promise<{ url: string }> {
    // Saved before the launch: whoever adopts this state finds the process even if this hub
    // dies before it saved the pid (local-process-state.ts launchId).
    this.state.launchId = randomUUID();
    env[LAUNCH_ENV] = this.state.launchId;
    await this.ctx.stateChanged?.();
    this.throwIfStopped();
    const launched = await launchServer({
      ctx: this.ctx,
      who: this.who,
      plan,
      env,
      log: this.log,
      progress: this.emit,
      port: this.state.port,
    });
    this.state.cleanupDirs = launched.cleanupDirs;
    this.state.attach(launched.child, launched.logPath);
    await this.ctx.stateChanged?.(); // the pid, saved before anything else can happen
    this.throwIfStopped(); // start() kills what was launched
    this.emit(
      `Server process started (pid ${this.state.pid}); waiting for it to listen on port ${this.state.port}`,
    );
    return this.waitListening();
  }

  private throwIfStopped(): void {
    if (!this.stopRequested) return;
    throw new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      500,
      `The start of the server of ${this.who} was cancelled: it was stopped while starting.`,
    );
  }

  private async waitListening(): Promise<{ url: string }> {
    const o = this.ctx.options;
    const host = connectHost(o.ip);
    const port = this.state.port;
    const deadline = Date.now() + (o.startTimeout > 0 ? o.startTimeout : 60) * 1000;
    const exited = this.state.exited.then(() => 'exited' as const);
    const tail = () => {
      const t = this.state.ring.tail(20);
      return t ? `\nLast output:\n${t}` : '';
    };
    for (;;) {
      if (this.state.exitStatus !== null) {
        await sleep(50); // let the last output arrive before quoting it
        throw new HubError(
          'LABHUB_ERR_SPAWN_FAILED',
          500,
          `Cannot start the server of ${this.who}: the server process exited with status ${this.state.exitStatus} before listening on port ${port}.${tail()}`,
        );
      }
      if (await tcpAccepts(host, port, 500)) {
        // Another program listening there (it took the port first) is not this server.
        if (this.state.pid === null || listenerOf(port, this.state.pid) !== 'foreign')
          return { url: `http://${hostForUrl(host)}:${port}` };
        throw new HubError(
          'LABHUB_ERR_SPAWN_FAILED',
          500,
          `Cannot start the server of ${this.who}: another program listens on its port ${port} (EADDRINUSE).`,
        );
      }
      if (Date.now() > deadline) {
        throw new HubError(
          'LABHUB_ERR_SPAWN_TIMEOUT',
          500,
          `The server of ${this.who} did not listen on port ${port} within ${o.startTimeout} s (Spawner.start_timeout).${tail()}`,
        );
      }
      await within(exited, 100);
    }
  }

  stop(opts: { now?: boolean } = {}): Promise<void> {
    if (this.prepared) this.endPrepared(); // prepared, then cancelled before start()
    if (this.starting) this.stopRequested = true;
    return this.state.stop(opts);
  }

  poll(): Promise<number | null> {
    return Promise.resolve(this.state.poll());
  }

  getState(): JsonObject {
    return this.state.toJson();
  }

  loadState(s: JsonObject): void {
    this.events = [];
    this.state.load(s);
  }

  /** A start interrupted by a hub replica's death: wait until the loaded process listens. */
  async resumeStart(): Promise<{ url: string }> {
    const host = connectHost(this.ctx.options.ip);
    const port = this.state.port;
    for (;;) {
      if (this.state.pid === null || !port || this.state.poll() !== null)
        throw new HubError(
          'LABHUB_ERR_SPAWN_FAILED',
          500,
          `The server process of ${this.who} is gone: it exited before listening.`,
        );
      if (await tcpAccepts(host, port, 500)) return { url: `http://${hostForUrl(host)}:${port}` };
      await sleep(100);
    }
  }

  recentOutput(): string {
    return this.state.ring.tail();
  }

  /** CPU and memory of the server's process tree (its cgroup when it has one, else /proc). */
  usage(): Promise<ServerUsage | null> {
    const pid = this.state.pid;
    if (pid === null || this.state.poll() !== null) return Promise.resolve(null);
    return Promise.resolve(localServerUsage(pid, this.state.cleanupDirs));
  }

  async *progress(): AsyncIterable<SpawnProgress> {
    let i = 0;
    for (;;) {
      while (i < this.events.length) yield this.events[i++];
      if (!this.starting) return;
      await new Promise<void>((r) => {
        this.eventWaiters.add(r);
      });
    }
  }
}
