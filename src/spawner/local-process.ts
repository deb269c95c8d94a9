/**
 * `local-process` spawner: runs the single-user server as a local process, as the user's Linux
 * account when the hub is root (with supplementary groups, via `setpriv --init-groups`), else as
 * the hub's own user.
 *
 * Port decision: with `Spawner.port = 0` the spawner picks a free port itself (binds port 0 on
 * `ip`, reads it, closes) and **owns the host and port of `JUPYTERHUB_SERVICE_URL`**: it rewrites
 * the hub-provided value with {@link withServiceUrl} (keeping scheme and path). The hub may
 * therefore build `hubEnv` with `bindUrlFor(ip, 0, prefix)`.
 *
 * `start()` resolves once the process accepts TCP connections on that port (the hub still does
 * its HTTP check); it rejects with LABHUB_ERR_SPAWN_FAILED (with the output tail) if the process
 * exits first, LABHUB_ERR_SPAWN_TIMEOUT after `start_timeout`, LABHUB_ERR_USER_ENV when the Python
 * environment cannot be made. On any failure the process group is killed.
 *
 * Options in `options.extra` (camelCase or JupyterHub's snake_case):
 * - `runAsUser`: `'auto'` (default: as the Linux account named like the user when the hub is root; refused when there is no such account
 *   and the account exists, else as the hub's user) or `'self'` (always the hub's user).
 * - `interruptTimeout` 10, `termTimeout` 5, `killTimeout` 5 (seconds): SIGINT → SIGTERM → SIGKILL.
 * - `userEnv`: `'auto'` (default: create labhub's venv when `jupyterhub-singleuser` is not on PATH)
 *   or `'off'`; `userEnvDir`: the venv directory (see user-env.ts).
 * - `allowRoot` (default true): when the server would run as root (hub is root, no such account),
 *   a `jupyter*` command gets `--allow-root` and a warning is logged; false = let Jupyter refuse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { HubError } from '../errors.js';
import type { JsonObject } from '../core/json.js';
import { withServiceUrl } from '../core/spawn-env.js';
import type { Spawner, SpawnerContext, SpawnerDefinition, SpawnProgress } from './types.js';
import { cleanupLimits, planLimits } from './limits.js';
import {
  connectHost,
  findFreePort,
  findOnPath,
  isOurProcessAlive,
  LineRing,
  processGroupOf,
  readProcStat,
  signallablePid,
  signalNumber,
  tcpAccepts,
} from './proc.js';
import {
  currentUnixUser,
  lookupUnixUser,
  makeDirs,
  unixGroupIds,
  unreachableReason,
  type UnixUser,
} from './unix-user.js';
import { ensureUserEnv } from './user-env.js';

export { describeLimitSupport } from './limits.js';
import {
  extraSeconds,
  extraValue,
  FALLBACK_PATH,
  hostForUrl,
  sleep,
  SYSTEM_PATH,
  within,
} from './spawner-util.js';

export { DEFAULT_ENV_KEEP } from './spawner-util.js';

class LocalProcessSpawner implements Spawner {
  private child: ChildProcess | null = null;
  private pid: number | null = null;
  private port = 0;
  private starttime: number | null = null;
  /** The server leads its own process group (checked before signalling the group). */
  private ownGroup = false;
  private exitStatus: number | null = null;
  private exited: Promise<void> = Promise.resolve();
  private cleanupDirs: string[] = [];
  private ring = new LineRing(200);
  private stopping: Promise<void> | null = null;
  private events: SpawnProgress[] = [];
  private eventWaiters = new Set<() => void>();
  private starting = false;
  private readonly log;

  constructor(private readonly ctx: SpawnerContext) {
    this.log = ctx.log.child({
      spawner: 'local-process',
      user: ctx.user.name,
      server: ctx.serverName,
    });
  }

  private get who(): string {
    return this.ctx.serverName
      ? `${this.ctx.user.name}/${this.ctx.serverName}`
      : this.ctx.user.name;
  }

  private emit(message: string, progress?: number): void {
    this.events.push(progress === undefined ? { message } : { progress, message });
    this.wakeProgress();
  }

  private wakeProgress(): void {
    const waiters = [...this.eventWaiters];
    this.eventWaiters.clear();
    for (const w of waiters) w();
  }

  private failed(message: string, logMessage?: string): HubError {
    return new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      500,
      `Cannot start the server of ${this.who}: ${message}`,
      { logMessage },
    );
  }

  /** Which account runs the server (runAsUser option). */
  private async account(): Promise<{ user: UnixUser; switchUser: boolean }> {
    const mode = extraValue(this.ctx.options.extra, 'runAsUser') ?? 'auto';
    if (mode !== 'auto' && mode !== 'self') {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `LocalProcessSpawner.run_as_user must be 'auto' or 'self'; got ${JSON.stringify(mode)}.`,
      );
    }
    const self = currentUnixUser();
    if (mode === 'auto' && process.getuid?.() === 0) {
      const u = await lookupUnixUser(this.ctx.user.name);
      if (u) return { user: u, switchUser: u.uid !== self.uid || u.gid !== self.gid };
      // Never fall back to root silently: that would give any hub user a root terminal.
      throw this.failed(
        `there is no Linux account named ${JSON.stringify(this.ctx.user.name)}, and the hub runs as root. ` +
          'Create the account (or set LocalAuthenticator.create_system_users = True), or set ' +
          "LocalProcessSpawner.run_as_user = 'self' to run every server as root (not safe for untrusted users).",
      );
    }
    return { user: self, switchUser: false };
  }

  private buildEnv(user: UnixUser): Record<string, string> {
    const o = this.ctx.options;
    const env: Record<string, string> = {};
    for (const k of o.envKeep) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, this.ctx.hubEnv);
    Object.assign(env, { USER: user.name, LOGNAME: user.name, HOME: user.home, SHELL: user.shell });
    return env;
  }

  async start(): Promise<{ url: string }> {
    if (this.pid !== null && (await this.poll()) === null) {
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `The server of ${this.who} is already running (pid ${this.pid}); stop it first.`,
      );
    }
    this.reset();
    this.starting = true;
    try {
      return await this.doStart();
    } catch (e) {
      if (this.pid !== null) await this.stop({ now: true }).catch(() => {});
      throw e;
    } finally {
      this.starting = false;
      this.wakeProgress();
    }
  }

  private reset(): void {
    this.child = null;
    this.pid = null;
    this.starttime = null;
    this.ownGroup = false;
    this.exitStatus = null;
    this.ring = new LineRing(200);
    this.events = [];
    this.cleanupDirs = [];
  }

  private async doStart(): Promise<{ url: string }> {
    const o = this.ctx.options;
    const { user, switchUser } = await this.account();
    let env = this.buildEnv(user);
    this.port = o.port > 0 ? o.port : await findFreePort(o.ip);
    env = withServiceUrl(env, o.ip === '*' ? '' : o.ip, this.port); // '' = all interfaces for the server
    Object.assign(env, o.environment);
    // The hub's own secrets never reach a user's server (its user could read them there).
    delete env.CONFIGPROXY_AUTH_TOKEN;
    delete env.JPY_COOKIE_SECRET;
    env.PATH ??= FALLBACK_PATH;

    // Notebook directory: create it (owned by the user) or fail at once, naming it.
    let cwd = user.home;
    if (o.notebookDir) {
      // `~` and relative paths are the user's home, as for the server itself (cwd = home).
      const expanded = o.notebookDir.replace(/^~(?=\/|$)/, user.home);
      const dir = isAbsolute(expanded) ? expanded : join(user.home, expanded);
      try {
        const made = makeDirs(dir, switchUser ? { uid: user.uid, gid: user.gid } : undefined);
        if (made.length) this.emit(`Created the notebook directory ${dir}`);
      } catch (e) {
        throw this.failed(
          `the notebook directory ${dir} does not exist and cannot be created (${(e as Error).message}). Create it, or fix Spawner.notebook_dir.`,
        );
      }
      if (switchUser) {
        const why = unreachableReason(dir, user, await unixGroupIds(user.name));
        if (why)
          throw this.failed(
            `the notebook directory ${dir} is not usable: ${why}. Fix the permissions or Spawner.notebook_dir.`,
          );
      }
      cwd = dir;
    }
    // A missing cwd makes spawn() report ENOENT as if the command were missing: walk up instead.
    while (!existsSync(cwd) && cwd !== dirname(cwd)) cwd = dirname(cwd);

    const cmd = o.cmd.length ? o.cmd : ['jupyterhub-singleuser'];
    let resolved = findOnPath(cmd[0], env.PATH, cwd);
    const userEnvMode = extraValue(o.extra, 'userEnv') ?? 'auto';
    if (
      !resolved &&
      !cmd[0].includes('/') &&
      basename(cmd[0]) === 'jupyterhub-singleuser' &&
      userEnvMode !== 'off'
    ) {
      this.emit("jupyterhub-singleuser is not on PATH: preparing labhub's Python environment");
      const venvDir = extraValue(o.extra, 'userEnvDir');
      const ue = await ensureUserEnv({
        command: cmd[0],
        searchPath: env.PATH,
        venvDir: typeof venvDir === 'string' && venvDir ? venvDir : undefined,
        onProgress: (line) => {
          this.log.info(line);
          this.emit(line);
        },
      });
      resolved = ue.command;
      // Kernels (ipykernel) must resolve from the same venv.
      if (ue.binDir) env.PATH = `${ue.binDir}:${env.PATH}`;
    }
    if (!resolved) {
      throw this.failed(
        cmd[0].includes('/')
          ? `the command ${cmd[0]} does not exist or is not executable. Fix Spawner.cmd.`
          : `the command ${JSON.stringify(cmd[0])} was not found on PATH (${env.PATH}). Install it, or set Spawner.cmd to its absolute path.`,
      );
    }
    const argv = [resolved, ...cmd.slice(1), ...o.args];
    // Jupyter refuses to run as root without --allow-root. Only reached when the hub is root and
    // the user has no Linux account (runAsUser auto) or runAsUser is self: say so loudly.
    if (
      user.uid === 0 &&
      basename(resolved).startsWith('jupyter') &&
      extraValue(o.extra, 'allowRoot') !== false &&
      !argv.some((a) => /allow[-_]root/.test(a))
    ) {
      argv.push('--allow-root');
      this.log.warn(
        `the server of ${this.who} runs as root (no Linux account named ${JSON.stringify(this.ctx.user.name)}); --allow-root added. Create Linux accounts for users, or set allow_root: false to refuse`,
      );
    }

    let plan;
    try {
      plan = planLimits(
        `${this.ctx.user.name}${this.ctx.serverName ? '-' + this.ctx.serverName : ''}`,
        o.memLimit,
        o.cpuLimit,
      );
    } catch (e) {
      throw this.failed(
        `mem_limit/cpu_limit could not be applied (${(e as Error).message}). Remove the limits or run the hub where cgroups are writable.`,
      );
    }
    this.cleanupDirs = plan.cleanupDirs;
    let privPrefix: string[] = [];
    let uidOpts: { uid?: number; gid?: number } = {};
    if (switchUser) {
      const setpriv = findOnPath('setpriv', SYSTEM_PATH);
      if (setpriv) {
        privPrefix = [
          setpriv,
          '--reuid',
          String(user.uid),
          '--regid',
          String(user.gid),
          '--init-groups',
          '--',
        ];
      } else {
        this.log.warn(
          "setpriv (util-linux) not found: the server runs with the user's uid/gid but without supplementary groups",
        );
        uidOpts = { uid: user.uid, gid: user.gid };
      }
    }
    const full = [...plan.prefix, ...privPrefix, ...argv];
    this.log.info(
      { argv: full, cwd, port: this.port },
      `starting the server of ${this.who} as ${user.name}`,
    );

    const child = spawn(full[0], full.slice(1), {
      env,
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...uidOpts,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) =>
        reject(this.failed(`${full[0]} could not be executed (${e.message}).`)),
      );
    });
    this.attachChild(child);
    this.emit(
      `Server process started (pid ${this.pid}); waiting for it to listen on port ${this.port}`,
    );
    return this.waitListening();
  }

  private attachChild(child: ChildProcess): void {
    this.child = child;
    this.pid = child.pid ?? null;
    this.starttime = this.pid ? (readProcStat(this.pid)?.starttime ?? null) : null;
    const onData = (stream: string) => (b: Buffer) => {
      for (const line of this.ring.push(stream, b.toString('utf8')))
        this.log.info({ stream }, line);
    };
    child.stdout?.on('data', onData('stdout'));
    child.stderr?.on('data', onData('stderr'));
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, sig) => {
        this.exitStatus = code ?? 128 + signalNumber(sig);
        for (const line of this.ring.flush()) this.log.info(line);
        this.log.info(`server process ${child.pid} exited with status ${this.exitStatus}`);
        cleanupLimits(this.cleanupDirs);
        resolve();
      });
    });
    // Neither the child nor its pipes keep the hub alive: servers survive a hub restart.
    child.unref();
    (child.stdout as unknown as { unref?: () => void })?.unref?.();
    (child.stderr as unknown as { unref?: () => void })?.unref?.();
  }

  private async waitListening(): Promise<{ url: string }> {
    const o = this.ctx.options;
    const host = connectHost(o.ip);
    const deadline = Date.now() + (o.startTimeout > 0 ? o.startTimeout : 60) * 1000;
    const exited = this.exited.then(() => 'exited' as const);
    for (;;) {
      if (this.exitStatus !== null) {
        // Let the last output arrive before quoting it.
        await sleep(50);
        throw this.failed(
          `the server process exited with status ${this.exitStatus} before listening on port ${this.port}.` +
            (this.ring.tail(20) ? `\nLast output:\n${this.ring.tail(20)}` : ''),
        );
      }
      if (await tcpAccepts(host, this.port, 500))
        return { url: `http://${hostForUrl(host)}:${this.port}` };
      if (Date.now() > deadline) {
        throw new HubError(
          'LABHUB_ERR_SPAWN_TIMEOUT',
          500,
          `The server of ${this.who} did not listen on port ${this.port} within ${o.startTimeout} s (Spawner.start_timeout).` +
            (this.ring.tail(20) ? `\nLast output:\n${this.ring.tail(20)}` : ''),
        );
      }
      await within(exited, 100);
    }
  }

  private alive(): boolean {
    if (this.pid === null) return false;
    if (this.child) return this.exitStatus === null;
    return isOurProcessAlive(this.pid, this.starttime);
  }

  async poll(): Promise<number | null> {
    if (this.pid === null) return 0;
    if (this.child) return this.exitStatus;
    return isOurProcessAlive(this.pid, this.starttime) ? null : 0;
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.pid;
    if (!signallablePid(pid) || !this.alive()) return;
    // The whole process group (kernels included) — only when the server leads its own group,
    // so a stale or foreign pid can never take another group (or, with pid 1, everything) down.
    if (processGroupOf(pid) === pid) {
      this.ownGroup = true;
      try {
        process.kill(-pid, sig);
        return;
      } catch {
        /* fall through to the single process */
      }
    }
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }

  private async waitExit(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    if (this.child) {
      await within(this.exited, ms);
      return this.exitStatus !== null;
    }
    while (Date.now() < deadline) {
      if (!this.alive()) return true;
      await sleep(100);
    }
    return !this.alive();
  }

  async stop(opts: { now?: boolean } = {}): Promise<void> {
    if (this.stopping) {
      if (opts.now) this.signal('SIGKILL');
      return this.stopping;
    }
    this.stopping = this.doStop(!!opts.now).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async doStop(now: boolean): Promise<void> {
    if (!this.alive()) {
      cleanupLimits(this.cleanupDirs);
      return;
    }
    const extra = this.ctx.options.extra;
    const phases: Array<[NodeJS.Signals, number]> = now
      ? [['SIGKILL', extraSeconds(extra, 'killTimeout', 5)]]
      : [
          ['SIGINT', extraSeconds(extra, 'interruptTimeout', 10)],
          ['SIGTERM', extraSeconds(extra, 'termTimeout', 5)],
          ['SIGKILL', extraSeconds(extra, 'killTimeout', 5)],
        ];
    let gone = false;
    for (const [sig, seconds] of phases) {
      this.log.info(`stopping the server of ${this.who}: ${sig} to process group ${this.pid}`);
      this.signal(sig);
      if ((gone = await this.waitExit(seconds * 1000))) break;
    }
    if (!gone) {
      this.log.warn(`the server process ${this.pid} of ${this.who} did not exit after SIGKILL`);
      return;
    }
    // Leftovers of the group (e.g. kernels that ignored SIGINT) go with their server.
    if (this.ownGroup && signallablePid(this.pid)) {
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        /* none left */
      }
    }
    cleanupLimits(this.cleanupDirs);
  }

  getState(): JsonObject {
    // Nothing to reattach to once our process has exited.
    if (this.pid === null || (this.child && this.exitStatus !== null)) return {};
    const s: JsonObject = { pid: this.pid, port: this.port, starttime: this.starttime };
    if (this.cleanupDirs.length) s.cgroups = this.cleanupDirs;
    return s;
  }

  loadState(s: JsonObject): void {
    this.reset();
    // Reattach only to a process we can recognise: a pid without its start time could be anyone's.
    const starttime = typeof s.starttime === 'number' ? s.starttime : null;
    this.pid =
      typeof s.pid === 'number' && signallablePid(s.pid) && starttime !== null ? s.pid : null;
    this.port = typeof s.port === 'number' ? s.port : 0;
    this.starttime = starttime;
    this.cleanupDirs = Array.isArray(s.cgroups)
      ? s.cgroups.filter((x): x is string => typeof x === 'string')
      : [];
  }

  recentOutput(): string {
    return this.ring.tail();
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

/** The local-process spawner plugin. */
export const localProcessSpawner: SpawnerDefinition = {
  id: 'local-process',
  aliases: [
    'localprocess',
    'local',
    'simple',
    'simplelocalprocess',
    'jupyterhub.spawner.LocalProcessSpawner',
    'jupyterhub.spawner.SimpleLocalProcessSpawner',
    'LocalProcessSpawner',
    'SimpleLocalProcessSpawner',
  ],
  configClasses: ['Spawner', 'LocalProcessSpawner'],
  create: (ctx) => new LocalProcessSpawner(ctx),
};

export default localProcessSpawner;
