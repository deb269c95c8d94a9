/**
 * The hub's proxy process manager. `start()` adopts a proxy that already answers at `apiUrl`
 * with our token (a restarted hub drops no user connection), or starts one as a child
 * (detached, token in the environment, never on argv) and waits for its API. A periodic
 * check restarts a dead child and calls the `onRestart` callbacks whenever the proxy was
 * restarted or is found with no hub routes, so the hub re-pushes every route at once; and it
 * re-adds the hub's own route (see {@link ManagedProxy.keepHubRoute}) whenever that one is
 * missing or points elsewhere, whatever other routes are there.
 * `stop()` kills only a proxy a labhub hub started (this one, or an earlier one recorded in the pid
 * file and adopted now), and only when asked; never an external proxy.
 */
import fs from 'node:fs';
import { HubError } from '../errors.js';
import type { JsonObject } from '../util/json.js';
import { ChpClient, routespecToChpPath } from './chp-client.js';
import { cleanStalePidFile, managedProxyPid, removePidFile, terminatePid } from './pid-file.js';
import { probeProxy, type Probe, type RawRoute } from './probe.js';
import type { Proxy, Route, RouteToAdd } from './types.js';
import { defaultProxyCommand, proxyArgs, showArgv } from './proxy-command.js';
import type { ManagedProxyOptions } from './managed-options.js';
import { ProxyChild } from './proxy-child.js';

export type { ManagedProxyOptions } from './managed-options.js';

const noopLog = { info() {}, warn() {}, error() {}, debug() {} };

/** A {@link Proxy} that also owns (or adopts) the proxy process. Constructing it does no I/O. */
export class ManagedProxy implements Proxy {
  readonly client: ChpClient;
  private child: ProxyChild | null = null;
  private adopted = false;
  /** Pid of an adopted proxy that a labhub hub started (found through the pid file), or null. */
  private adoptedPid: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private readonly callbacks: Array<() => Promise<void>> = [];
  private hubRoute: { spec: string; target: string; data: JsonObject } | null = null;
  private readonly log: NonNullable<ManagedProxyOptions['log']>;
  private token: string;
  private replacement: string | undefined;

  constructor(private readonly opts: ManagedProxyOptions) {
    this.log = opts.log ?? noopLog;
    this.token = opts.authToken;
    this.replacement = opts.replacementToken;
    this.client = new ChpClient({
      apiUrl: opts.apiUrl,
      authToken: opts.authToken,
      hostRouting: opts.hostRouting,
      // Restoring hundreds of routes at start-up: more requests in flight than the default 10.
      retryFor: opts.retryFor,
      log: this.log,
      concurrency: 32,
    });
  }

  /** Pid of the child this instance started (null when adopted or not running). */
  get pid(): number | null {
    return this.child?.running ? (this.child.pid ?? null) : null;
  }

  /** The API token in use now (it changes when a replacement token is taken up). */
  get apiToken(): string {
    return this.token;
  }

  /** True while a replacement token waits for the next proxy this starts. */
  get tokenReplacementPending(): boolean {
    return this.replacement !== undefined;
  }

  /** True when start() found a proxy already running and adopted it. */
  get isAdopted(): boolean {
    return this.adopted;
  }

  addRoute(spec: string, target: string, data: JsonObject): Promise<void> {
    return this.client.addRoute(spec, target, data);
  }

  addRoutes(routes: ReadonlyArray<RouteToAdd>): Promise<void> {
    return this.client.addRoutes(routes);
  }

  deleteRoute(spec: string): Promise<void> {
    return this.client.deleteRoute(spec);
  }

  getAllRoutes(): Promise<Map<string, Route>> {
    return this.client.getAllRoutes();
  }

  /**
   * The hub's own route (`base_url` → the hub). Every check re-adds it when it is missing or no
   * longer points at `target`, even when user routes are still there (a route deleted or
   * replaced behind the hub's back would otherwise leave /hub/ unreachable for good).
   */
  keepHubRoute(spec: string, target: string, data: JsonObject): void {
    this.hubRoute = { spec, target, data };
  }

  /** Stop keeping the hub route (another hub replica, the leader, keeps its own). */
  releaseHubRoute(): void {
    this.hubRoute = null;
  }

  /** Register a callback run after the proxy restarted or lost its routes (the hub re-pushes). */
  onRestart(cb: () => Promise<void>): void {
    this.callbacks.push(cb);
  }

  /**
   * Adopt a running proxy or start one; then check it every `checkInterval`.
   * Throws HubError LABHUB_ERR_PROXY (wrong token, nothing running with shouldStart=false,
   * child exited or did not answer in time); on failure no process is left behind.
   */
  async start(): Promise<void> {
    if (this.opts.pidFile) cleanStalePidFile(this.opts.pidFile, this.log);
    const probe = await this.probe();
    if (probe.state === 'ok') {
      this.adopted = true;
      this.adoptedPid = this.opts.pidFile
        ? managedProxyPid(this.opts.pidFile, this.opts.command ?? defaultProxyCommand())
        : null;
      this.log.info(
        `proxy: adopted the proxy already running at ${this.opts.apiUrl} (${probe.hubRoutes} hub routes)` +
          (this.adoptedPid
            ? `; a labhub hub started it (pid ${this.adoptedPid} in ${this.opts.pidFile}): it keeps running when the hub stops, unless JupyterHub.cleanup_proxy is true`
            : '; no pid file names it, so it is not labhub-managed and the hub never stops it'),
      );
    } else if (probe.state === 'forbidden') {
      throw new HubError(
        'LABHUB_ERR_PROXY',
        500,
        `A proxy answers at ${this.opts.apiUrl} but refuses our API token (${probe.status}). Give the hub the same CONFIGPROXY_AUTH_TOKEN as that proxy, or stop it so the hub can start its own.`,
      );
    } else if (this.opts.shouldStart === false) {
      throw new HubError(
        'LABHUB_ERR_PROXY',
        500,
        `No proxy answers at ${this.opts.apiUrl} (${probe.reason}) and starting one is disabled (ConfigurableHTTPProxy.should_start = false). Start the proxy first, or fix ConfigurableHTTPProxy.api_url.`,
      );
    } else {
      await this.spawnChild();
    }
    this.startChecks();
  }

  /**
   * Stop checking. `killProcess`: kill the proxy this instance started. `killAdopted` too: also
   * an adopted proxy that a labhub hub started (its pid file names it); an external proxy is never
   * killed.
   */
  async stop(opts: { killProcess?: boolean; killAdopted?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const child = this.child;
    if (child && opts.killProcess) {
      await child.kill('SIGTERM');
      if (this.opts.pidFile) removePidFile(this.opts.pidFile, child.pid);
      this.child = null;
    } else if (!child && opts.killProcess && opts.killAdopted && this.adoptedPid) {
      const pid = this.adoptedPid;
      const gone = await terminatePid(pid);
      if (gone && this.opts.pidFile) removePidFile(this.opts.pidFile, pid);
      this.log.info(
        gone
          ? `proxy: stopped the adopted proxy (pid ${pid})`
          : `proxy: the adopted proxy (pid ${pid}) did not exit after SIGKILL`,
      );
      this.adoptedPid = null;
    } else if (child) {
      // Leave it running for the next hub: let this process exit without waiting for it.
      child.detach();
    }
    await this.client.close();
  }

  /** Run one health check now (the timer calls this). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const child = this.child;
      if (child && !child.running) {
        this.log.error(
          `proxy: the proxy (pid ${child.pid}) exited (${child.proc.exitCode ?? child.proc.signalCode}); restarting it. Last output: ${child.output(500)}`,
        );
        this.child = null;
        await this.spawnChild();
        await this.runCallbacks('restarted');
        return;
      }
      const probe = await this.probe();
      if (probe.state === 'ok') {
        if (probe.hubRoutes === 0) await this.runCallbacks('has no hub routes');
        else await this.ensureHubRoute(probe.routes);
        return;
      }
      if (probe.state === 'down' && !this.child && this.opts.shouldStart !== false) {
        this.log.error(
          `proxy: no proxy answers at ${this.opts.apiUrl} (${probe.reason}); starting one`,
        );
        this.adopted = false;
        await this.spawnChild();
        await this.runCallbacks('restarted');
        return;
      }
      this.log.error(
        `proxy: check of ${this.opts.apiUrl} failed (${probe.state === 'down' ? probe.reason : `HTTP ${probe.status}`})`,
      );
    } catch (err) {
      this.log.error(`proxy: check failed: ${(err as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  /** Re-add the hub's own route when the listed routes lack it or point it elsewhere. */
  private async ensureHubRoute(routes: Record<string, RawRoute>): Promise<void> {
    const h = this.hubRoute;
    if (!h) return;
    const r = routes[routespecToChpPath(h.spec, this.opts.hostRouting)];
    if (r && r.target === h.target && r.jupyterhub === true) return;
    this.log.error(
      `proxy: the hub's own route ${h.spec} is ${r ? `pointing at ${String(r.target)} instead of ${h.target}` : 'missing'}; adding it back`,
    );
    await this.client.addRoute(h.spec, h.target, h.data);
  }

  private startChecks(): void {
    this.timer = setInterval(() => void this.check(), this.opts.checkInterval ?? 5000);
    this.timer.unref();
  }

  private async runCallbacks(why: string): Promise<void> {
    this.log.warn(`proxy: the proxy ${why}; re-adding all routes`);
    for (const cb of this.callbacks) {
      try {
        await cb();
      } catch (err) {
        this.log.error(`proxy: re-adding routes failed: ${(err as Error).message}`);
      }
    }
  }

  private probe(timeout = 2000): Promise<Probe> {
    return probeProxy(this.opts.apiUrl, this.token, timeout);
  }

  private async spawnChild(): Promise<void> {
    const command = this.opts.command ?? defaultProxyCommand();
    const args = [...command.slice(1), ...proxyArgs(this.opts)];
    this.log.info(`proxy: starting ${showArgv([command[0]!, ...args])}`);
    const previous = this.token;
    const replacing = this.replacement !== undefined;
    if (replacing) this.useToken(this.replacement!);
    const child = new ProxyChild(
      [command[0]!, ...args],
      { ...process.env, ...(this.opts.env ?? {}), CONFIGPROXY_AUTH_TOKEN: this.token },
      this.log,
    );
    this.child = child;
    try {
      await child.waitForApi(
        this.opts.apiUrl,
        (t) => this.probe(t),
        this.opts.startTimeout ?? 10_000,
      );
      if (this.opts.pidFile && child.pid) fs.writeFileSync(this.opts.pidFile, String(child.pid));
    } catch (err) {
      this.child = null;
      await child.kill('SIGKILL');
      if (replacing) this.useToken(previous);
      throw err;
    }
    this.adopted = false;
    this.adoptedPid = null;
    this.log.info(`proxy: started (pid ${child.pid}), API at ${this.opts.apiUrl}`);
    if (replacing) {
      this.replacement = undefined;
      try {
        await this.opts.onTokenReplaced?.(this.token);
      } catch (err) {
        this.log.error(`proxy: could not store the new API token: ${(err as Error).message}`);
      }
    }
  }

  private useToken(token: string): void {
    this.token = token;
    this.client.setAuthToken(token);
  }
}
