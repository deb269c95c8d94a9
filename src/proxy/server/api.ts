/**
 * The REST API, identical on the wire to configurable-http-proxy's:
 *   GET    /api/routes[?inactive_since=ISO]  → 200 {path: data+last_activity}
 *   GET    /api/routes/<path>                → 200 data+last_activity | 404
 *   POST   /api/routes/<path>  {target,...}  → 201 | 400 (no string target / bad JSON)
 *   DELETE /api/routes/<path>                → 204 | 404
 * plus a batch of routes in one POST /api/routes (api-batch.ts),
 * plus labhub's own ACME and certificate-reload calls (api-control.ts).
 * Auth: `Authorization: token <CONFIGPROXY_AUTH_TOKEN>`, 403 otherwise (when a token is set).
 * A route path with a dot segment (`/user/../`, `%2e%2e`, …) is refused with 400: it is read as
 * sent, never through `new URL()`, which would silently resolve it to another route (`/`).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Plane } from './plane.js';
import { routeToJson, type RouteData } from './routes.js';
import { findDotSegment } from '../../util/dot-segments.js';
import { splitUrl } from './paths.js';
import { handleControl, isControlPath, type TlsControl } from './api-control.js';
import { BATCH_HEADER, addBatch, isBatch } from './api-batch.js';

const ROUTES_RE = /^\/api\/routes(\/.*)?$/;
const MAX_BODY = 1024 * 1024;

function fail(res: ServerResponse, code: number, msg?: string): void {
  if (res.writableEnded) return;
  (res as ServerResponse & { logMsg?: string }).logMsg = msg;
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(msg ?? STATUS_CODES[code]);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function tokenOk(expected: string, header: string | undefined): boolean {
  const m = /token\s+(\S+)/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createApiHandler(plane: Plane, authToken: string | undefined, tls?: TlsControl) {
  const log = plane.log;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.on('finish', () => {
      plane.metrics?.requestsApi.labels(String(res.statusCode)).inc();
      const code = res.statusCode;
      const line = `${code} ${req.method} ${(req.url ?? '').split('?', 1)[0]} ${(res as { logMsg?: string }).logMsg ?? ''}`;
      if (code < 400) log.info('%s', line);
      else if (code < 500) log.warn('%s', line);
      else log.error('%s', line);
    });
    try {
      // The path exactly as sent: `new URL()` would resolve dot segments before we see them.
      const [rawPath, rawQuery] = splitUrl(req.url ?? '/');
      const m = ROUTES_RE.exec(rawPath);
      const control = !m && tls !== undefined && isControlPath(rawPath);
      if (!m && !control) return fail(res, 404);
      const method = (req.method ?? 'GET').toUpperCase();
      if (!control && method !== 'GET' && method !== 'POST' && method !== 'DELETE')
        return fail(res, 405, 'Method not supported');
      if (authToken && !tokenOk(authToken, req.headers.authorization)) {
        log.debug(
          'Rejecting API request from: %s',
          req.headers.authorization ? 'wrong token' : 'no authorization',
        );
        res.writeHead(403);
        res.end();
        return;
      }
      if (control)
        return await handleControl(plane, tls, rawPath, method, () => readBody(req), res);
      if (!m) return fail(res, 404);
      let path: string | undefined;
      const dot = m[1] === undefined ? null : findDotSegment(m[1]);
      if (dot !== null)
        return fail(
          res,
          400,
          `Route path ${m[1]} contains the dot segment '${dot}', which URL parsers resolve to another path; use a path without '.' or '..' segments`,
        );
      if (m[1] !== undefined) {
        try {
          path = decodeURIComponent(m[1]);
        } catch {
          return fail(res, 400, `Route path is not valid percent-encoding: ${m[1]}`);
        }
      }
      if (method === 'GET') {
        await plane.engine?.refreshActivity();
        return getRoutes(plane, new URLSearchParams(rawQuery), res, path);
      }
      if (method === 'DELETE') {
        const e = plane.removeRoute(path ?? '/');
        await plane.engine?.settled();
        plane.metrics?.apiRouteDelete.inc();
        res.writeHead(e ? 204 : 404);
        res.end();
        return;
      }
      const text = await readBody(req);
      if (text === null) return fail(res, 413, `Body larger than ${MAX_BODY} bytes`);
      let data: unknown;
      try {
        data = text.length ? JSON.parse(text) : {};
      } catch (e) {
        return fail(res, 400, `Body not valid JSON: ${(e as Error).message}`);
      }
      if (data === null || typeof data !== 'object' || Array.isArray(data)) data = {};
      const d = data as Record<string, unknown>;
      if (path === undefined && isBatch(d))
        return await addBatch(plane, d.routes as Record<string, unknown>, res, fail);
      if (typeof d.target !== 'string') {
        log.warn('Bad POST data: %s', text.slice(0, 500));
        return fail(res, 400, "Must specify 'target' as string");
      }
      try {
        new URL(d.target);
      } catch {
        return fail(
          res,
          400,
          `'target' must be an absolute URL like http://127.0.0.1:8888, got '${d.target}'`,
        );
      }
      delete d.last_activity;
      plane.addRoute(path ?? '/', d as RouteData);
      await plane.engine?.settled();
      plane.metrics?.apiRouteAdd.inc();
      res.writeHead(201);
      res.end();
    } catch (err) {
      log.error(
        'Error in API handler for %s %s: %s',
        req.method,
        (req.url ?? '').split('?', 1)[0],
        (err as Error).message,
      );
      fail(res, 500);
    }
  };
}

function getRoutes(
  plane: Plane,
  query: URLSearchParams,
  res: ServerResponse,
  path: string | undefined,
): void {
  if (path && path !== '/') {
    const e = plane.table.get(path);
    if (!e) {
      res.writeHead(404);
      res.end();
      return;
    }
    return json(res, 200, routeToJson(e));
  }
  const param = query.get('inactiveSince') || query.get('inactive_since');
  let since: number | null = null;
  if (param) {
    since = Date.parse(param);
    if (!Number.isFinite(since))
      return fail(res, 400, `Invalid datestamp '${param}' must be ISO8601.`);
  }
  const out: Record<string, unknown> = {};
  for (const e of plane.table.entries()) {
    if (since === null || e.lastActivity < since) out[e.path] = routeToJson(e);
  }
  plane.metrics?.apiRouteGet.inc();
  res.setHeader(BATCH_HEADER, '1');
  json(res, 200, out);
}
