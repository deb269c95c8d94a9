/**
 * Progress of one build of labhub's Python environment, told in words: what is being done
 * (creating the venv, pip resolving, downloading, installing N packages), how far, and how long
 * it took. Every caller waiting for the same build gets the whole story so far, then live
 * updates: a spawn that joins a build the hub's warm-up started sees it too.
 */

/** One step of the build. `fraction` (0..1) never decreases within a build. */
export interface UserEnvStatus {
  step: 'venv' | 'pip' | 'ready' | 'reused' | 'warning';
  message: string;
  fraction: number;
  /** Milliseconds since the build began. */
  elapsedMs: number;
}

type StatusListener = (s: UserEnvStatus) => void;
type LineListener = (line: string) => void;

/** Seconds, rounded for people: `0.4 s`, `12 s`. */
export function secondsText(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** A spawn's progress (%) for a build status: the span between "Spawning server" (50) and 70. */
export function spawnProgressOf(s: UserEnvStatus): number {
  return 50 + Math.round(Math.min(1, Math.max(0, s.fraction)) * 20);
}

/** Collects a build's statuses and pip output; replays them to late subscribers. */
export class EnvBuildProgress {
  private readonly t0 = Date.now();
  private readonly history: UserEnvStatus[] = [];
  private readonly statusListeners = new Set<StatusListener>();
  private readonly lineListeners = new Set<LineListener>();
  private fraction = 0;
  private pipT0 = 0;
  private resolved = 0;
  private lastReport = 0;
  private beat: NodeJS.Timeout | null = null;

  /** Heartbeat period: a long step (venv's ensurepip, pip installing) says it still works. */
  static HEARTBEAT_MS = 10_000;

  /** Replays every status so far (also as lines), then delivers new ones. */
  subscribe(onStatus?: StatusListener, onLine?: LineListener): void {
    for (const s of this.history) {
      onStatus?.(s);
      onLine?.(s.message);
    }
    if (onStatus) this.statusListeners.add(onStatus);
    if (onLine) this.lineListeners.add(onLine);
  }

  /** Milliseconds since the build began. */
  get elapsedMs(): number {
    return Date.now() - this.t0;
  }

  status(step: UserEnvStatus['step'], message: string, fraction = this.fraction): void {
    this.publish(step, message, fraction);
    this.heartbeat(step, message);
  }

  /** The build is over (ready or failed): no more heartbeats. */
  end(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }

  private publish(step: UserEnvStatus['step'], message: string, fraction: number): void {
    this.fraction = Math.max(this.fraction, Math.min(1, fraction));
    const s: UserEnvStatus = { step, message, fraction: this.fraction, elapsedMs: this.elapsedMs };
    this.history.push(s);
    for (const l of this.statusListeners) l(s);
    for (const l of this.lineListeners) l(message);
  }

  /** Until the next status: every HEARTBEAT_MS, "still …" with a small step forward. */
  private heartbeat(step: UserEnvStatus['step'], message: string): void {
    this.end();
    if (step === 'ready' || step === 'reused') return;
    const since = Date.now();
    const ceiling = Math.min(0.97, this.fraction + 0.05);
    this.beat = setInterval(() => {
      const what = message.replace(/…$/, '');
      this.publish(
        step,
        `Still working: ${what} (${secondsText(Date.now() - since)} on this step, ${secondsText(this.elapsedMs)} in all)`,
        Math.min(ceiling, this.fraction + 0.005),
      );
    }, EnvBuildProgress.HEARTBEAT_MS);
    this.beat.unref();
  }

  /** pip starts installing `count` requirements (top-level lines of the requirements file). */
  pipStarted(count: number, file: string): void {
    this.pipT0 = Date.now();
    this.status(
      'pip',
      `Installing ${count} pinned package(s) from ${file} and their dependencies with pip (a few minutes the first time)…`,
      0.1,
    );
  }

  /** One line of pip's output: passed on as is, and turned into a status at milestones. */
  pipLine(raw: string): void {
    for (const l of this.lineListeners) l(raw);
    const line = raw.trim();
    const took = secondsText(Date.now() - this.pipT0);
    const m = /^(?:Collecting|Processing) (\S+)/.exec(line);
    if (m) {
      this.resolved++;
      // Reported at the first, every 10th, or after 3 s of silence: a lively line, not a flood.
      if (this.resolved === 1 || this.resolved % 10 === 0 || Date.now() - this.lastReport > 3000) {
        this.lastReport = Date.now();
        this.status(
          'pip',
          `pip: ${this.resolved} package(s) found and downloaded so far (now ${m[1]}); ${took}`,
          0.1 + (0.55 * this.resolved) / (this.resolved + 30),
        );
      }
      return;
    }
    const inst = /^Installing collected packages: (.*)$/.exec(line);
    if (inst) {
      const n = inst[1]!.split(',').filter((x) => x.trim()).length;
      this.status('pip', `pip: installing ${n} package(s) (found and downloaded in ${took})…`, 0.7);
      return;
    }
    const ok = /^Successfully installed (.*)$/.exec(line);
    if (ok)
      this.status(
        'pip',
        `pip: installed ${ok[1]!.split(/\s+/).filter(Boolean).length} package(s) in ${took}`,
        0.95,
      );
  }
}
