/**
 * The request counters of the metrics endpoint (--metrics-port) when HAProxy serves the public
 * port, read from the stick tables config.ts declares: `counters` (keys `web` and `ws`: requests
 * taken; conn_cur: requests being served, WebSocket tunnels open) and `statuses` (responses by
 * status code, gpc0).
 */
import type { EngineCounts } from '../metrics.js';

/** Parses the answers of `show table counters` and `show table statuses`. */
export function parseCounts(counters: string, statuses: string): EngineCounts {
  const out: EngineCounts = { web: 0, ws: 0, wsOpen: 0, inFlight: 0, status: new Map() };
  for (const line of counters.split('\n')) {
    const key = /\bkey=(\S+)/.exec(line)?.[1];
    const req = Number(/\bhttp_req_cnt=(\d+)/.exec(line)?.[1] ?? 0);
    const cur = Number(/\bconn_cur=(\d+)/.exec(line)?.[1] ?? 0);
    if (key === 'web') [out.web, out.inFlight] = [req, cur];
    if (key === 'ws') [out.ws, out.wsOpen] = [req, cur];
  }
  for (const line of statuses.split('\n')) {
    const m = /\bkey=(\d+) .*\bgpc0=(\d+)/.exec(line);
    if (m) out.status.set(m[1]!, Number(m[2]));
  }
  return out;
}
