import type { JsonObject } from '../util/json.js';

/** One proxy route, in JupyterHub's routespec form (always ends with '/'). */
export interface Route {
  routespec: string;
  target: string;
  data: JsonObject;
  lastActivity?: Date | null;
}

/** One route of a batch (Proxy.addRoutes). */
export interface RouteToAdd {
  spec: string;
  target: string;
  data: JsonObject;
}

/**
 * What the hub needs from a proxy. The hub drives every proxy through the
 * configurable-http-proxy REST API (proxy/chp-client.ts).
 *
 * - `addRoute` is called when a server becomes ready, at start for the hub route, and on resync.
 *   Throws HubError LABHUB_ERR_PROXY when the proxy cannot be reached.
 * - `deleteRoute` is idempotent (a missing route is not an error).
 * - `getAllRoutes` returns routes keyed by routespec.
 * - `start()` starts or adopts the proxy process; `stop()` stops it only when asked to
 *   (`killProcess`: one this hub started; with `killAdopted` also an adopted one that a labhub hub
 *   started). Normally the proxy is left running so users keep their connections.
 */
export interface Proxy {
  addRoute(spec: string, target: string, data: JsonObject): Promise<void>;
  /** Add many routes, in as few requests as the proxy allows (labhub-proxy: batches). */
  addRoutes?(routes: ReadonlyArray<RouteToAdd>): Promise<void>;
  deleteRoute(spec: string): Promise<void>;
  getAllRoutes(): Promise<Map<string, Route>>;
  start?(): Promise<void>;
  stop?(opts?: { killProcess?: boolean; killAdopted?: boolean }): Promise<void>;
  /** Register a callback run when the proxy is found to have restarted (empty route table). */
  onRestart?(cb: () => Promise<void>): void;
}
