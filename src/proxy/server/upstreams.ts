/**
 * One undici Pool per target origin: keep-alive sockets to the user servers, closed after
 * `idleTimeout` without use. Pools of origins no route points at any more are closed, so a
 * stream of stopped servers never accumulates sockets or pools.
 */
import { Pool } from 'undici';
import type { SecureContextOptions } from 'node:tls';

export interface UpstreamOptions {
  insecure?: boolean;
  clientTls?: SecureContextOptions;
  /** Idle keep-alive socket lifetime (ms). Default 4000. */
  idleTimeout?: number;
  /** Max sockets per origin; undefined = unlimited (like CHP's agent). */
  maxSockets?: number;
  connectTimeout?: number;
}

/** Socket path of an `http+unix://` / `unix+http://` target, else null. */
export function unixSocketPath(target: string): string | null {
  const m = /^(?:http\+unix|unix\+http):\/\/([^/]+)/.exec(target);
  return m ? decodeURIComponent(m[1]!) : null;
}

export class Upstreams {
  private readonly pools = new Map<string, Pool>();
  constructor(private readonly opts: UpstreamOptions) {}

  get size(): number {
    return this.pools.size;
  }

  /**
   * The pool for a target URL's origin ("http://127.0.0.1:8888"), created on first use.
   * `http+unix://<url-encoded socket path>` targets (as CHP accepts) connect to that socket.
   * Throws TypeError for other protocols.
   */
  get(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const tls = origin.startsWith('https:');
      const socketPath = unixSocketPath(origin);
      if (!socketPath && !tls && !origin.startsWith('http:')) {
        throw new TypeError(
          `unsupported target protocol in '${origin}' (expected http, https or http+unix)`,
        );
      }
      pool = new Pool(socketPath ? 'http://localhost' : origin, {
        socketPath: socketPath ?? undefined,
        connections: this.opts.maxSockets ?? null,
        keepAliveTimeout: this.opts.idleTimeout ?? 4000,
        // A server's Keep-Alive hint may shorten, never lengthen, how long idle sockets stay open.
        keepAliveMaxTimeout: this.opts.idleTimeout ?? 4000,
        connectTimeout: this.opts.connectTimeout ?? 10_000,
        headersTimeout: 0,
        bodyTimeout: 0,
        pipelining: 1,
        connect: tls
          ? { rejectUnauthorized: !this.opts.insecure, ...(this.opts.clientTls ?? {}) }
          : undefined,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Close (gracefully: in-flight requests finish) the pools of origins not in `keep`. */
  retain(keep: Set<string>): void {
    for (const [origin, pool] of this.pools) {
      if (keep.has(origin)) continue;
      this.pools.delete(origin);
      pool.close().catch(() => {});
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => {})));
  }
}
