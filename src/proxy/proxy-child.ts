/**
 * One proxy process started by the hub ({@link ManagedProxy}): spawned detached in its own
 * process group (a Ctrl-C or a crash of the hub does not take user connections down), with the
 * API token in its environment, never on argv. Keeps the tail of its output for error messages
 * and repeats its `Engine: …` line (which data plane runs) as an info line of the hub's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { HubError } from '../errors.js';
import type { Probe } from './probe.js';

export interface ChildLog {
  info(msg: string): void;
  warn(msg: string): void;
  debug?(msg: string): void;
}

export class ProxyChild {
  readonly proc: ChildProcess;
  /** Resolves when the process exited (or could not be run at all). */
  readonly exited: Promise<void>;
  private tail = '';

  constructor(command: string[], env: NodeJS.ProcessEnv, log: ChildLog) {
    const child = spawn(command[0]!, command.slice(1), {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.proc = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (err) => {
        this.tail += `\n${err.message}`;
        resolve();
      });
    });
    const keep = (d: Buffer) => {
      this.tail = (this.tail + d.toString('utf8')).slice(-4000);
    };
    child.stdout!.on('data', (d: Buffer) => {
      keep(d);
      const text = d.toString('utf8').trimEnd();
      // Which data plane runs (labhub-proxy --engine auto) is worth an info line of the hub's.
      const engine = /Engine: .*/.exec(text);
      if (engine) log.info(`proxy: ${engine[0]}`);
      log.debug?.(`[proxy] ${text}`);
    });
    child.stderr!.on('data', (d: Buffer) => {
      keep(d);
      log.warn(`[proxy] ${d.toString('utf8').trimEnd()}`);
    });
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** True until the process exited. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The last `n` characters of its output, trimmed. */
  output(n: number): string {
    return this.tail.trim().slice(-n);
  }

  /**
   * Wait until the API at `apiUrl` answers `probe` with our token.
   * @throws HubError LABHUB_ERR_PROXY when the process exits first, another proxy refuses our
   *   token there, or nothing answers within `timeoutMs`.
   */
  async waitForApi(
    apiUrl: string,
    probe: (timeoutMs: number) => Promise<Probe>,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    let last = '';
    while (Date.now() < deadline) {
      if (exited || !this.running) {
        throw new HubError(
          'LABHUB_ERR_PROXY',
          500,
          `The proxy exited (${this.proc.exitCode ?? this.proc.signalCode ?? 'could not run'}) before its API answered at ${apiUrl}. Its output ends with:\n${this.output(1500)}`,
        );
      }
      const p = await probe(1000);
      if (p.state === 'ok') return;
      if (p.state === 'forbidden') {
        throw new HubError(
          'LABHUB_ERR_PROXY',
          500,
          `Another proxy already answers at ${apiUrl} and refuses our token; stop it or use another api_url.`,
        );
      }
      last = p.reason;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new HubError(
      'LABHUB_ERR_PROXY',
      500,
      `The proxy did not answer at ${apiUrl} within ${timeoutMs} ms (${last}). Its output ends with:\n${this.output(1500)}`,
    );
  }

  /** Send `signal` (SIGKILL after 5 s) and wait for the exit. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.running || this.proc.pid === undefined) {
      await this.exited;
      return;
    }
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }

  /** Let the hub exit without waiting for this process (it keeps running for the next hub). */
  detach(): void {
    this.proc.stdout?.destroy();
    this.proc.stderr?.destroy();
    this.proc.unref();
  }
}
