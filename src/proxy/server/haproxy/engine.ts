/**
 * labhub-proxy as HAProxy's control plane (--engine haproxy). labhub-proxy keeps the REST API
 * and the route table (the Node plane's); HAProxy serves the public port. Its configuration is
 * generated once per start (config.ts); every route change after that is a runtime-API
 * command on the route map (`add map`/`set map`/`del map`: no reload). Changes made meanwhile
 * (a batch) go to HAProxy together, in one write answered per command, and an API call answers
 * only once HAProxy applied it. Route activity comes from HAProxy's stick table (refreshed when
 * the API lists routes). HAProxy exiting unexpectedly is logged and healed: it is started again
 * with the same configuration and every route is pushed again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plane } from '../plane.js';
import type { RouteEntry } from '../routes.js';
import type { ProxyLogger } from '../log.js';
import type { EngineCounts } from '../metrics.js';
import { parseCounts } from './counters.js';
import { RuntimeApi } from './runtime.js';
import { HubBackend, nativeHubTargets } from './hub-backend.js';
import { SUPERVISOR, exitReason, pemOf, startError } from './process.js';
import {
  ACTIVITY_EXPIRE_MS,
  cliWord,
  haproxyConfig,
  mapKey,
  mapValue,
  type HaproxyFiles,
} from './config.js';
import type { HaproxyEngineOptions } from './engine-options.js';

export class HaproxyEngine {
  readonly dir: string;
  readonly files: HaproxyFiles;
  private proc: ChildProcess | undefined;
  private hpid: number | undefined;
  private api: RuntimeApi;
  /** The hub route's replicas as servers of the backend `hubs` (hub-backend.ts). */
  private hubs: HubBackend;
  private hubAddrs: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private ridOf = new WeakMap<RouteEntry, number>();
  private byRid = new Map<number, RouteEntry>();
  private ridByPath = new Map<string, number>();
  private inMap = new Set<string>();
  private nextRid = 1;
  /** Paths changed since the last flush, and stick-table keys of replaced routes to clear. */
  private dirty = new Set<string>();
  private clears: number[] = [];
  private flushQueued = false;
  private stopping = false;
  private restartDelay = 100;
  private ready: Promise<void> = Promise.resolve();
  private markReady: () => void = () => {};
  private reconnecting: Promise<void> | undefined;
  /** Times HAProxy was started again after it exited on its own. */
  restarts = 0;
  private readonly log: ProxyLogger;

  constructor(
    private readonly plane: Plane,
    private readonly o: HaproxyEngineOptions,
  ) {
    this.log = plane.log;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labhub-haproxy-'));
    fs.chmodSync(this.dir, 0o700);
    this.files = {
      admin: path.join(this.dir, 'admin.sock'),
      map: path.join(this.dir, 'routes.map'),
      node: path.join(this.dir, 'node.sock'),
    };
    const ssl = o.publicOpts.ssl;
    if (ssl) {
      const pem = path.join(this.dir, 'cert.pem');
      fs.writeFileSync(pem, pemOf(ssl), { mode: 0o600 });
      this.files.pem = pem;
      if (ssl.ca) {
        this.files.ca = path.join(this.dir, 'ca.pem');
        fs.writeFileSync(this.files.ca, String(ssl.ca), { mode: 0o600 });
      }
      if (ssl.dhparam) {
        this.files.dhparam = path.join(this.dir, 'dhparam.pem');
        fs.writeFileSync(this.files.dhparam, String(ssl.dhparam), { mode: 0o600 });
      }
    }
    fs.writeFileSync(this.files.map, '');
    fs.writeFileSync(
      path.join(this.dir, 'haproxy.cfg'),
      haproxyConfig(o.publicOpts, this.files, o.bind, {
        threads: o.threads,
        sslProtocol: o.sslProtocol,
        sslCiphers: o.sslCiphers,
      }),
    );
    this.api = new RuntimeApi(this.files.admin);
    this.hubs = new HubBackend(this.api, this.log);
    plane.onRouteChange = (op) => {
      const old = this.ridByPath.get(op.path);
      const e = op.t === 'add' ? plane.table.get(op.path) : undefined;
      if (old !== undefined && this.byRid.get(old) !== e) {
        this.byRid.delete(old);
        this.ridByPath.delete(op.path);
        this.clears.push(old);
      }
      if (e) this.ridByPath.set(op.path, this.ridFor(e));
      this.dirty.add(op.path);
      if (!this.flushQueued) {
        this.flushQueued = true;
        this.enqueue(() => this.flush());
      }
    };
    plane.engine = this;
  }

  /** HAProxy's own pid. */
  get pid(): number | undefined {
    return this.hpid;
  }

  /** Start HAProxy and push the routes; rejects (with HAProxy's own message) if it cannot start. */
  async start(): Promise<void> {
    await this.spawnOnce();
    await this.pushAll();
  }

  private async spawnOnce(): Promise<void> {
    this.ready = new Promise((r) => (this.markReady = r));
    const cfg = path.join(this.dir, 'haproxy.cfg');
    const proc = spawn('/bin/sh', ['-c', SUPERVISOR, 'labhub-haproxy', this.o.bin, cfg, this.dir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.hpid = undefined;
    proc.stdin!.on('error', () => {});
    let output = '';
    let up = false;
    const onOut = (d: Buffer) => {
      const text = d.toString();
      if (output.length < 8192) output += text;
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const pid = /^labhub-haproxy-pid (\d+)/.exec(line);
        if (pid) {
          this.hpid = Number(pid[1]);
          continue;
        }
        // Before it is up, a failure is reported once, by the error start() throws.
        if (up && /\[ALERT\]/.test(line)) this.log.error('haproxy: %s', line.trim());
        else this.log.debug('haproxy: %s', line.trim());
      }
    };
    proc.stdout!.on('data', onOut);
    proc.stderr!.on('data', onOut);
    let exited = false;
    const hpid = () => this.hpid;
    proc.once('exit', (code, sig) => {
      exited = true;
      this.api.close();
      // Exiting at start is the caller's error (thrown below), not a crash to heal.
      if (!up || this.stopping || this.proc !== proc) return;
      this.log.error(
        'HAProxy (pid %s) exited (%s); starting it again and re-pushing %d routes',
        hpid(),
        exitReason(code, sig),
        this.plane.table.size,
      );
      this.heal();
    });
    // Ready when the runtime API answers.
    for (let i = 0; ; i++) {
      if (exited) throw startError(output);
      try {
        await this.api.connect();
        up = true;
        return;
      } catch {
        if (i > 500) throw new Error(`haproxy did not open its runtime API within 10 s: ${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  private heal(): void {
    const delay = this.restartDelay;
    this.restartDelay = Math.min(this.restartDelay * 2, 5000);
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnOnce().then(
        () => {
          this.restarts++;
          this.log.warn('HAProxy started again (pid %s)', this.hpid);
          this.enqueue(() => this.pushAll());
          // A HAProxy that stays up a minute resets the back-off.
          setTimeout(() => (this.restartDelay = 100), 60_000).unref();
        },
        (e: Error) => {
          this.log.error('HAProxy could not be started again: %s', e.message);
          this.heal();
        },
      );
    }, delay).unref();
  }

  private ridFor(e: RouteEntry): number {
    let rid = this.ridOf.get(e);
    if (rid === undefined) {
      rid = this.nextRid++;
      this.ridOf.set(e, rid);
      this.byRid.set(rid, e);
    }
    return rid;
  }

  private addCommand(e: RouteEntry): string {
    const key = cliWord(mapKey(e.path));
    const rid = this.ridFor(e);
    this.ridByPath.set(e.path, rid);
    const hubs = nativeHubTargets(e, this.plane.opts.hostRouting);
    if (e.path === '/') this.hubAddrs = hubs ?? [];
    const value = cliWord(mapValue(e, rid, this.plane.opts, !!hubs));
    const verb = this.inMap.has(e.path) ? 'set' : 'add';
    this.inMap.add(e.path);
    return `${verb} map ${this.files.map} ${key} ${value}`;
  }

  /** Every route of the table into the (empty, just started) map, pipelined on one connection. */
  private async pushAll(): Promise<void> {
    this.inMap = new Set();
    const cmds: string[] = [];
    for (const e of this.plane.table.entries()) cmds.push(this.addCommand(e));
    const bad = (await this.api.runAll(cmds)).filter((a) => a.trim() !== '');
    if (bad.length) this.log.error('haproxy refused %d routes: %s', bad.length, bad[0]);
    this.hubs.reset();
    await this.hubs.sync(this.hubAddrs);
    this.markReady();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((e: Error) => {
      // HAProxy went away meanwhile: the restart re-pushes the whole table.
      if (!this.stopping) this.log.warn('haproxy runtime API: %s', e.message);
    });
  }

  /** Wait (at most 10 s) for a HAProxy being restarted; route changes then go to the new one. */
  private async whenReady(): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (t = setTimeout(() => r(false), 10_000)));
    const ok = await Promise.race([this.ready.then(() => true), timeout]);
    clearTimeout(t);
    return ok && (await this.apiUp());
  }

  /**
   * The runtime API connection, opened again when it was closed while HAProxy runs (an idle
   * connection past HAProxy's `stats timeout`, or a dropped one); false while HAProxy is down.
   */
  private async apiUp(): Promise<boolean> {
    if (this.api.connected) return true;
    const p = this.proc;
    if (this.stopping || !p || p.exitCode !== null || p.signalCode !== null) return false;
    this.reconnecting ??= this.api.connect().finally(() => (this.reconnecting = undefined));
    await this.reconnecting.catch((e: Error) =>
      this.log.warn('haproxy runtime API: cannot reconnect: %s', e.message),
    );
    return this.api.connected;
  }

  /**
   * Apply the route changes made since the last flush: one command per changed path (its state
   * now), all written at once; HAProxy answers each, so a refused route is reported alone.
   */
  private async flush(): Promise<void> {
    const ok = await this.whenReady();
    this.flushQueued = false;
    const paths = [...this.dirty];
    const clears = this.clears;
    this.dirty = new Set();
    this.clears = [];
    if (!ok) return; // the HAProxy being started again gets the whole table (pushAll)
    const cmds = clears.map((rid) => `clear table activity key ${rid}`);
    const of: Array<string | undefined> = cmds.map(() => undefined);
    let hubGone = false;
    for (const p of paths) {
      const e = this.plane.table.get(p);
      if (e) {
        // The hub servers before the map entry that sends requests to them.
        if (p === '/') await this.hubs.sync(nativeHubTargets(e, this.plane.opts.hostRouting) ?? []);
        cmds.push(this.addCommand(e));
      } else if (this.inMap.delete(p)) {
        cmds.push(`del map ${this.files.map} ${cliWord(mapKey(p))}`);
        hubGone ||= p === '/';
      } else continue;
      of.push(p);
    }
    const answers = await this.api.runAll(cmds);
    let refused = 0;
    answers.forEach((a, i) => {
      const p = of[i];
      if (p === undefined || !a.trim() || refused++ >= 10) return;
      this.log.error('haproxy refused route %s: %s', p, a.trim());
    });
    if (refused > 10) this.log.error('haproxy refused %d routes in all', refused);
    if (hubGone) await this.hubs.sync((this.hubAddrs = []));
  }

  /**
   * Serve a new certificate and key (Labhub.letsencrypt renewals) on new TLS connections, live:
   * the PEM file is replaced (a restarted HAProxy reads it) and HAProxy's copy is swapped through
   * its runtime API (`set ssl cert` + `commit ssl cert`). Open connections keep theirs.
   * @throws Error when the listener is plain HTTP or HAProxy refuses the certificate.
   */
  async setCertificate(o: { cert?: unknown; key?: unknown }): Promise<void> {
    const file = this.files.pem;
    if (!file) throw new Error('the public listener is plain HTTP: no certificate to replace');
    const pem = pemOf(o);
    const tmp = `${file}.new`;
    fs.writeFileSync(tmp, pem, { mode: 0o600 });
    fs.renameSync(tmp, file);
    if (!(await this.whenReady())) return; // the HAProxy being restarted reads the new file
    await this.api.replaceCertificate(file, pem);
  }

  /** Resolves once every route change made so far is applied in HAProxy. */
  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /**
   * Route activity from HAProxy's stick table: an entry's expiry restarts at each request, so
   * `expire - remaining` is the time since its last request; a route with an open connection
   * (a WebSocket) counts as active now.
   */
  async refreshActivity(): Promise<void> {
    if (!(await this.apiUp())) return;
    let text: string;
    try {
      text = await this.api.run('show table activity');
    } catch {
      return;
    }
    const now = Date.now();
    const re = /key=(\d+) use=(\d+) exp=(\d+)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const e = this.byRid.get(Number(m[1]));
      if (!e) continue;
      const t = Number(m[2]) > 0 ? now : now - (ACTIVITY_EXPIRE_MS - Number(m[3]));
      if (t > e.lastActivity) e.lastActivity = t;
    }
  }

  /** The request counters of the metrics endpoint, from HAProxy's stick tables (counters.ts). */
  async counts(): Promise<EngineCounts> {
    if (!(await this.whenReady())) throw new Error('HAProxy is not running');
    const [c, s] = await Promise.all([
      this.api.run('show table counters'),
      this.api.run('show table statuses'),
    ]);
    return parseCounts(c, s);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.hubs.stop();
    this.api.close();
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const hp = this.hpid;
      const t = setTimeout(() => {
        if (hp) {
          try {
            process.kill(hp, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        p.kill('SIGKILL');
      }, 3000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
