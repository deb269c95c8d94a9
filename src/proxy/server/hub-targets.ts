/**
 * Hub traffic spread over several hub replicas (docs/high-availability.md, "Proxies"). A route
 * whose data carries `hub_targets: ["http://10.0.0.1:8081", …]` (the hub's own route, as the
 * leader replica adds it: one URL per live replica) is forwarded round robin to the targets that
 * answer `GET <target><route>/hub/health` with 200, checked every second while the route is used
 * (a new target gets traffic after its first good check; when none is healthy, all are tried).
 * A request that fails before any response header arrived is sent once more to another target
 * when that is safe: a request without a body whose method is idempotent (GET, HEAD, OPTIONS), or
 * any request that never reached the first target (connection refused). For the latter, a body
 * of a known length up to BUFFER_LIMIT (a login form, a JSON POST) is read before the request is
 * sent, so it can be sent again; a larger or chunked body is streamed and never retried. A
 * request the first target may have seen (reset, timeout, closed mid-request) is never sent
 * twice unless idempotent and bodyless. The failed target counts as unhealthy until its next
 * good check. CHP's REST API is unchanged: the
 * list is plain route data, and a route without it goes to its `target` as before (CHP itself
 * ignores the list and uses `target`, the leader). Only the Node plane reads it.
 */
import type { IncomingMessage } from 'node:http';
import type { Plane } from './plane.js';
import { originKey, type RouteEntry } from './routes.js';

const CHECK_MS = 1000;
/** A target not picked for this long is no longer checked (its route changed or went away). */
const FORGET_MS = 60_000;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Bodies up to this size (with a Content-Length) are buffered so a refused request can be retried. */
const BUFFER_LIMIT = 64 * 1024;
/** Errors of a request that never reached the upstream. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

interface TargetState {
  url: URL;
  healthPath: string;
  healthy: boolean;
  usedAt: number;
  checking: boolean;
  /** Whether a check has answered yet (the first good one is not logged as "healthy again"). */
  seen?: boolean;
}

/**
 * Sends the request to `target` (with `body` when it was buffered, else the client's stream);
 * `onFail` is asked, for a failure before any header, whether it was retried.
 */
type Send = (target: URL, onFail: (err: Error) => boolean, body?: Buffer) => void;

class HubTargets {
  private readonly parsed = new WeakMap<object, URL[]>();
  private readonly states = new Map<string, TargetState>();
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly plane: Plane) {}

  /** The route's hub targets, or null when it has none (then its `target` is used). */
  targetsOf(entry: RouteEntry): URL[] | null {
    const raw = entry.data.hub_targets;
    if (!Array.isArray(raw) || raw.length === 0) return null;
    let list = this.parsed.get(entry.data);
    if (!list) {
      list = [];
      for (const t of raw) {
        if (typeof t !== 'string') continue;
        try {
          const u = new URL(t);
          if (u.protocol === 'http:' || u.protocol === 'https:') list.push(u);
        } catch {
          /* not a URL: left out */
        }
      }
      this.parsed.set(entry.data, list);
    }
    return list.length ? list : null;
  }

  /** Round robin over the healthy targets (all of them when none is), `except` one; null if none is left. */
  pick(entry: RouteEntry, list: URL[], except?: URL): URL | null {
    const now = Date.now();
    const others = except ? list.filter((u) => originKey(u) !== originKey(except)) : list;
    if (!others.length) return null;
    const healthy = others.filter((u) => this.state(u, entry, now).healthy);
    const from = healthy.length ? healthy : others;
    return from[this.next++ % from.length]!;
  }

  /** A request to `url` failed before any response: unhealthy until its next good check. */
  failed(url: URL, err: Error): void {
    const s = this.states.get(originKey(url));
    if (s) this.mark(s, false, describe(err));
  }

  private state(u: URL, entry: RouteEntry, now: number): TargetState {
    const key = originKey(u);
    let s = this.states.get(key);
    if (!s) {
      const route = this.plane.opts.hostRouting ? entry.path.replace(/^\/[^/]*/, '') : entry.path;
      const healthPath = `${u.pathname.replace(/\/+$/, '')}${route.replace(/\/+$/, '')}/hub/health`;
      // A new target (a replica that may not listen yet) gets traffic after its first good check.
      s = { url: u, healthPath, healthy: false, usedAt: now, checking: false };
      this.states.set(key, s);
      void this.check(s);
      this.schedule();
    }
    s.usedAt = now;
    return s;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.checkAll(), CHECK_MS);
    this.timer.unref();
  }

  private checkAll(): void {
    const now = Date.now();
    for (const [key, s] of this.states) {
      if (now - s.usedAt > FORGET_MS) {
        this.states.delete(key);
        continue;
      }
      if (!s.checking) void this.check(s);
    }
    if (!this.states.size && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async check(s: TargetState): Promise<void> {
    s.checking = true;
    try {
      const res = await this.plane.upstreams.get(originKey(s.url)).request({
        path: s.healthPath,
        method: 'GET',
        headersTimeout: CHECK_MS,
        bodyTimeout: CHECK_MS,
      });
      await res.body.dump();
      this.mark(s, res.statusCode === 200, `/hub/health answered ${res.statusCode}`);
    } catch (e) {
      this.mark(s, false, describe(e as Error));
    } finally {
      s.checking = false;
    }
  }

  private mark(s: TargetState, healthy: boolean, why: string): void {
    if (s.healthy === healthy) return;
    s.healthy = healthy;
    if (!s.seen) {
      s.seen = true;
      if (healthy) return;
    }
    if (healthy) this.plane.log.info('Hub target %s is healthy again', s.url.origin);
    else this.plane.log.warn('Hub target %s is unhealthy: %s', s.url.origin, why);
  }
}

function describe(err: Error): string {
  const code = (err as { code?: string }).code;
  return code ? `${code} ${err.message}` : err.message;
}

const byPlane = new WeakMap<Plane, HubTargets>();

/**
 * Forward a request of a route with `hub_targets` (see the module comment) through `send`;
 * false when the route has none (the caller forwards to its `target`).
 */
export function forwardToHubs(
  plane: Plane,
  req: IncomingMessage,
  entry: RouteEntry,
  send: Send,
): boolean {
  if (entry.data.hub_targets === undefined) return false;
  const hubs = byPlane.get(plane) ?? new HubTargets(plane);
  byPlane.set(plane, hubs);
  const list = hubs.targetsOf(entry);
  if (!list) return false;
  const h = req.headers;
  const length = h['content-length'] === undefined ? 0 : Number(h['content-length']);
  const chunked = h['transfer-encoding'] !== undefined;
  if (chunked || !(length <= BUFFER_LIMIT)) {
    // A large or chunked body: streamed, never retried (the first target may have read it).
    const only = hubs.pick(entry, list)!;
    send(only, (err) => {
      hubs.failed(only, err);
      return false;
    });
    return true;
  }
  if (length === 0) {
    sendRetrying(plane, hubs, req, entry, list, send, true);
    return true;
  }
  readBody(req, length, (body) => sendRetrying(plane, hubs, req, entry, list, send, false, body));
  return true;
}

/** Read a body of `length` bytes (≤ BUFFER_LIMIT) whole; nothing happens if the client leaves first. */
function readBody(req: IncomingMessage, length: number, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    chunks.push(c);
  });
  req.once('end', () => {
    if (size === length) then(Buffer.concat(chunks, size));
    else req.socket?.destroy();
  });
}

/**
 * Send to one target; on a failure before any header, once more to another target when safe:
 * `bodyless` and idempotent (whatever the error), or the request never reached the first target.
 */
function sendRetrying(
  plane: Plane,
  hubs: HubTargets,
  req: IncomingMessage,
  entry: RouteEntry,
  list: URL[],
  send: Send,
  bodyless: boolean,
  body?: Buffer,
): void {
  const first = hubs.pick(entry, list)!;
  send(
    first,
    (err) => {
      hubs.failed(first, err);
      const code = (err as { code?: string }).code ?? '';
      if (!((bodyless && IDEMPOTENT.has(req.method ?? '')) || NOT_SENT.has(code))) return false;
      const second = hubs.pick(entry, list, first);
      if (!second) return false;
      plane.log.warn(
        '%s %s failed on hub target %s (%s); retrying on %s',
        req.method,
        (req.url ?? '').split('?', 1)[0],
        first.origin,
        describe(err),
        second.origin,
      );
      send(
        second,
        (e) => {
          hubs.failed(second, e);
          return false;
        },
        body,
      );
      return true;
    },
    body,
  );
}
