/**
 * `--workers N`: several processes share the public port (node:cluster) with one route table.
 * The primary serves the REST API and metrics and owns the table; every change is sent to the
 * workers, a new worker gets a snapshot before it listens, and workers report route activity
 * to the primary once a second (so `last_activity` is at most ~1 s behind). A worker that dies
 * is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import type { ProxyServer, ListenTarget } from './proxy-server.js';
import type { RouteData } from './routes.js';
import type { ProxyLogger } from './log.js';
import type { AcmeOp } from './acme-responder.js';

type Msg =
  | { t: 'snapshot'; routes: Array<[string, RouteData, number]> }
  | { t: 'add'; path: string; data: RouteData }
  | { t: 'remove'; path: string }
  | { t: 'activity'; a: Array<[string, number]> }
  | { t: 'listening'; port: number }
  | { t: 'ready' }
  | AcmeOp
  | { t: 'tls-reload' };

export const WORKER_ENV = 'LABHUB_PROXY_WORKER';

export function isProxyWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1';
}

/** Primary side: fork `n` workers and keep them in sync; resolves when one listens (its port). */
export function runPrimary(
  server: ProxyServer,
  n: number,
  log: ProxyLogger,
): { listening: Promise<number>; stop(): Promise<void> } {
  const plane = server.plane;
  let stopping = false;
  let resolveListening: (port: number) => void = () => {};
  const listening = new Promise<number>((r) => (resolveListening = r));
  const workers = new Set<Worker>();
  const send = (m: Msg) => {
    for (const w of workers) if (w.isConnected()) w.send(m);
  };
  plane.onRouteChange = (op) => send(op);
  plane.acme.onChange = (op) => send(op);
  server.onTlsReload = () => send({ t: 'tls-reload' });
  const fork = () => {
    const w = cluster.fork({ [WORKER_ENV]: '1' });
    workers.add(w);
    w.on('message', (m: Msg) => {
      // The worker asks once its handler is installed (a message sent earlier would be lost).
      if (m.t === 'ready') {
        const routes: Array<[string, RouteData, number]> = [];
        for (const e of plane.table.entries()) routes.push([e.path, e.data, e.lastActivity]);
        w.send({ t: 'snapshot', routes } satisfies Msg);
      } else if (m.t === 'activity') {
        for (const [path, ms] of m.a) {
          const e = plane.table.get(path);
          if (e && ms > e.lastActivity) e.lastActivity = ms;
        }
      } else if (m.t === 'listening') resolveListening(m.port);
    });
    w.on('exit', (code, signal) => {
      workers.delete(w);
      if (stopping || code === 0) return;
      log.error('worker %s exited (%s); starting a new one', w.process.pid, code ?? signal);
      fork();
    });
  };
  for (let i = 0; i < n; i++) fork();
  return {
    listening,
    async stop() {
      stopping = true;
      const exits = [...workers].map(
        (w) =>
          new Promise<void>((r) => {
            if (w.isDead()) return r();
            w.once('exit', () => r());
            w.process.kill('SIGTERM');
          }),
      );
      await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 3000))]);
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    },
  };
}

/** Worker side: take the snapshot, then listen on the shared public port; report activity. */
export function runWorker(server: ProxyServer, proxyT: ListenTarget, log: ProxyLogger): void {
  const plane = server.plane;
  let listening = false;
  let reportedUpTo = Date.now();
  process.on('message', (m: Msg) => {
    if (m.t === 'snapshot') {
      for (const e of [...plane.table.entries()]) plane.table.remove(e.path);
      for (const [path, data, la] of m.routes) plane.table.add(path, data).lastActivity = la;
      if (!listening) {
        listening = true;
        server.listen({ proxy: proxyT }).then(
          (b) => process.send?.({ t: 'listening', port: b.proxy!.port } satisfies Msg),
          (err: Error) => {
            log.error('worker %s could not listen: %s', process.pid, err.message);
            process.exit(1);
          },
        );
      }
    } else if (m.t === 'add') {
      plane.table.add(m.path, m.data);
    } else if (m.t === 'remove') {
      plane.removeRoute(m.path, true);
    } else if (m.t === 'acme-put' || m.t === 'acme-del') {
      plane.acme.apply(m);
    } else if (m.t === 'tls-reload') {
      server
        .reloadTls()
        .catch((e: Error) =>
          log.error('worker %s could not reload the TLS certificate: %s', process.pid, e.message),
        );
    }
  });
  process.send?.({ t: 'ready' } satisfies Msg);
  const timer = setInterval(() => {
    const since = reportedUpTo;
    reportedUpTo = Date.now();
    const a: Array<[string, number]> = [];
    for (const e of plane.table.entries())
      if (e.lastActivity > since) a.push([e.path, e.lastActivity]);
    if (a.length && process.connected) process.send?.({ t: 'activity', a } satisfies Msg);
  }, 1000);
  timer.unref();
  // The primary going away means we must go too (no orphaned listeners).
  process.on('disconnect', () => process.exit(0));
}
