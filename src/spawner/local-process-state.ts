/**
 * The state of one local server process: its pid (recognised by its start time, so a reused pid
 * is never mistaken for it), port, exit status, output tail and cgroups; signalling and stopping
 * it (SIGINT → SIGTERM → SIGKILL to its process group); persisting and reattaching after a hub
 * restart, when its output keeps reaching the hub log through its output file (server-log.ts).
 * Shared by the local spawners (local-process, simple-local-process).
 */
import type { ChildProcess } from 'node:child_process';
import type { JsonObject } from '../util/json.js';
import type { Logger } from '../log.js';
import { cleanupLimits } from './limits.js';
import {
  findLaunched,
  isOurProcessAlive,
  LineRing,
  processGroupOf,
  readProcStat,
  signallablePid,
  signalNumber,
} from './proc.js';
import { sleep, within } from './spawner-util.js';
import { commonLocalOptions } from './local-options.js';
import { followLog, type LogFollower } from './server-log.js';

export class LocalProcessState {
  private child: ChildProcess | null = null;
  pid: number | null = null;
  port = 0;
  /**
   * Saved before the process is launched (and put in its environment, LAUNCH_ENV): a replica
   * adopting the state of a hub killed between the launch and saving the pid finds the process
   * by it (proc.ts findLaunched), so no server is left behind unknown.
   */
  launchId: string | null = null;
  private starttime: number | null = null;
  /** The server leads its own process group (checked before signalling the group). */
  private ownGroup = false;
  exitStatus: number | null = null;
  exited: Promise<void> = Promise.resolve();
  cleanupDirs: string[] = [];
  ring = new LineRing(200);
  private stopping: Promise<void> | null = null;
  /** The server's output file (with `serverLogDir`) and the reader copying it to the log. */
  private logPath: string | null = null;
  private follower: LogFollower | null = null;

  constructor(
    private readonly log: Logger,
    private readonly who: string,
    private readonly extra: Record<string, unknown>,
  ) {}

  /** Forget everything (before a start, or before loading persisted state). */
  reset(): void {
    this.child = null;
    this.pid = null;
    this.launchId = null;
    this.starttime = null;
    this.ownGroup = false;
    this.exitStatus = null;
    this.ring = new LineRing(200);
    this.cleanupDirs = [];
    this.follower?.stop();
    this.follower = null;
    this.logPath = null;
  }

  /** Output of the server, line by line, into the hub log and the ring shown on failures. */
  private onOutput(stream: string): (b: Buffer | string) => void {
    return (b) => {
      for (const line of this.ring.push(stream, b.toString())) this.log.info({ stream }, line);
    };
  }

  /** Follow a freshly spawned server: its output goes to the log and the ring, its exit is recorded. */
  attach(child: ChildProcess, logPath: string | null = null): void {
    this.child = child;
    this.pid = child.pid ?? null;
    this.starttime = this.pid ? (readProcStat(this.pid)?.starttime ?? null) : null;
    child.stdout?.on('data', this.onOutput('stdout'));
    child.stderr?.on('data', this.onOutput('stderr'));
    this.logPath = logPath;
    if (logPath) this.follower = followLog(logPath, 0, this.onOutput('output'));
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, sig) => {
        this.follower?.stop();
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

  private alive(): boolean {
    if (this.pid === null) return false;
    if (this.child) return this.exitStatus === null;
    return isOurProcessAlive(this.pid, this.starttime);
  }

  /** null while running; the exit status once it has stopped (0 when unknown or never started). */
  poll(): number | null {
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

  /** Stop the server (idempotent; concurrent calls share one stop; `now` escalates to SIGKILL). */
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
      this.follower?.stop();
      cleanupLimits(this.cleanupDirs);
      return;
    }
    const t = commonLocalOptions(this.extra);
    const phases: Array<[NodeJS.Signals, number]> = now
      ? [['SIGKILL', t.kill_timeout]]
      : [
          ['SIGINT', t.interrupt_timeout],
          ['SIGTERM', t.term_timeout],
          ['SIGKILL', t.kill_timeout],
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
    this.follower?.stop();
    cleanupLimits(this.cleanupDirs);
  }

  /** What the hub persists to reattach after a restart ({} once the process has exited). */
  toJson(): JsonObject {
    if (this.pid === null && this.launchId !== null && !this.child)
      return { launch: this.launchId, port: this.port };
    if (this.pid === null || (this.child && this.exitStatus !== null)) return {};
    const s: JsonObject = { pid: this.pid, port: this.port, starttime: this.starttime };
    if (this.launchId) s.launch = this.launchId;
    if (this.cleanupDirs.length) s.cgroups = this.cleanupDirs;
    if (this.logPath) s.log = this.logPath;
    return s;
  }

  /** Reattach to a persisted server (only to a process we can recognise by its start time). */
  load(s: JsonObject): void {
    this.reset();
    const starttime = typeof s.starttime === 'number' ? s.starttime : null;
    this.pid =
      typeof s.pid === 'number' && signallablePid(s.pid) && starttime !== null ? s.pid : null;
    this.port = typeof s.port === 'number' ? s.port : 0;
    this.starttime = starttime;
    this.launchId = typeof s.launch === 'string' ? s.launch : null;
    if (this.pid === null && this.launchId !== null && starttime === null) {
      // Saved before the launch, the pid never was: the process, if it was launched at all.
      const found = findLaunched(this.launchId);
      if (found !== null) {
        this.pid = found;
        this.starttime = readProcStat(found)?.starttime ?? null;
        this.log.warn(`found the server process ${found} of ${this.who} by its launch id`);
      }
    }
    this.cleanupDirs = Array.isArray(s.cgroups)
      ? s.cgroups.filter((x): x is string => typeof x === 'string')
      : [];
    // After a hub restart the server's output keeps coming: follow its file from here on.
    this.logPath = typeof s.log === 'string' ? s.log : null;
    if (this.pid !== null && this.logPath)
      this.follower = followLog(this.logPath, 'end', this.onOutput('output'));
  }
}
