/**
 * Coalesces the route additions of concurrent spawns: additions asked for in the same turn of
 * the event loop, or while earlier batches are still in flight, go to the proxy together
 * (labhub-proxy: one `POST /api/routes` batch, settled once by its engine, instead of one
 * request each through the proxy client's 10 connections). A lone addition waits one
 * `setImmediate` at most. Each caller still gets its own outcome: when a batch fails, its
 * routes are retried one by one, so one bad route never fails the other spawns.
 */
import type { Proxy, RouteToAdd } from '../../proxy/types.js';

/** Batches in flight at once; more additions queue meanwhile and form the next batch. */
const MAX_IN_FLIGHT = 2;

interface Queued {
  route: RouteToAdd;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RouteBatcher {
  private queue: Queued[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly proxy: Proxy) {}

  /** Add (or replace) one route; settles when the proxy has it (or the addition failed). */
  add(route: RouteToAdd): Promise<void> {
    // A proxy without batches gets each route as before (its client bounds the concurrency).
    if (!this.proxy.addRoutes) return this.proxy.addRoute(route.spec, route.target, route.data);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ route, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.inFlight >= MAX_IN_FLIGHT || !this.queue.length) return;
      const batch = this.queue;
      this.queue = [];
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    });
  }

  private async send(batch: Queued[]): Promise<void> {
    const one = (q: Queued) =>
      this.proxy.addRoute(q.route.spec, q.route.target, q.route.data).then(q.resolve, q.reject);
    if (batch.length === 1) return one(batch[0]!);
    try {
      await this.proxy.addRoutes!(batch.map((q) => q.route));
    } catch {
      // Which route the proxy refused is not known: each alone, each caller its own outcome.
      await Promise.all(batch.map(one));
      return;
    }
    for (const q of batch) q.resolve();
  }
}
