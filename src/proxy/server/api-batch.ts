/**
 * labhub-proxy's one addition to the CHP routes API: many routes in one request, so a hub
 * re-asserting hundreds of routes after a restart pays one round trip instead of one each.
 *
 *   POST /api/routes  {"routes": {"<path>": {target, ...}, ...}}  → 201 {"added": n} | 400
 *
 * The body has no `target` (with one, the request is CHP's "add the route `/`"). Paths are
 * written as in the single-route URL (percent-encoded) and checked the same way; a bad entry
 * refuses the whole batch and nothing is added. Every GET /api/routes answer says the proxy
 * takes batches (header `x-labhub-proxy-batch: 1`), so a hub learns it without a probe.
 */
import type { ServerResponse } from 'node:http';
import type { Plane } from './plane.js';
import type { RouteData } from './routes.js';
import { findDotSegment } from '../../util/dot-segments.js';

export const BATCH_HEADER = 'x-labhub-proxy-batch';

/** Whether a parsed POST /api/routes body is a batch (a `routes` object and no `target`). */
export function isBatch(body: Record<string, unknown>): boolean {
  return (
    body.target === undefined &&
    body.routes !== null &&
    typeof body.routes === 'object' &&
    !Array.isArray(body.routes)
  );
}

/** A checked batch: [decoded path, data] pairs, or the reason to refuse it. */
export function parseBatch(
  routes: Record<string, unknown>,
): { ok: Array<[string, RouteData]> } | { error: string } {
  const out: Array<[string, RouteData]> = [];
  for (const [raw, d] of Object.entries(routes)) {
    if (!raw.startsWith('/')) return { error: `Route path '${raw}' must start with '/'` };
    const dot = findDotSegment(raw);
    if (dot !== null)
      return {
        error: `Route path ${raw} contains the dot segment '${dot}', which URL parsers resolve to another path; use a path without '.' or '..' segments`,
      };
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      return { error: `Route path is not valid percent-encoding: ${raw}` };
    }
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      return { error: `Route ${raw}: data must be an object` };
    const data = { ...(d as Record<string, unknown>) };
    if (typeof data.target !== 'string')
      return { error: `Route ${raw}: must specify 'target' as string` };
    try {
      new URL(data.target);
    } catch {
      return {
        error: `Route ${raw}: 'target' must be an absolute URL like http://127.0.0.1:8888, got '${data.target}'`,
      };
    }
    delete data.last_activity;
    out.push([path, data as RouteData]);
  }
  return { ok: out };
}

/** Add a checked batch (all or nothing) and answer 201 with the count. */
export async function addBatch(
  plane: Plane,
  routes: Record<string, unknown>,
  res: ServerResponse,
  fail: (res: ServerResponse, code: number, msg: string) => void,
): Promise<void> {
  const parsed = parseBatch(routes);
  if ('error' in parsed) return fail(res, 400, parsed.error);
  for (const [path, data] of parsed.ok) {
    plane.addRoute(path, data, true);
    plane.metrics?.apiRouteAdd.inc();
  }
  plane.log.info('Routes added in one batch: %d', parsed.ok.length);
  await plane.engine?.settled();
  res.writeHead(201, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ added: parsed.ok.length }));
}
