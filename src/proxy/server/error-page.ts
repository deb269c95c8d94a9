/**
 * Error responses of the data plane (404 no route, 503 target down, 500 internal): fetched from
 * --error-target as `<target>/<code>?url=<path>` (CHP's contract with the hub's /hub/error
 * page), read from --error-path (`<code>.html`, else `error.html`), or a small built-in page.
 * The error-target response is always consumed or destroyed, even when the client has left.
 */
import { readFile } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import type { Plane } from './plane.js';
import { originKey } from './routes.js';

const ERROR_FETCH_TIMEOUT = 10_000;

function builtin(code: number): string {
  const title = `${code} ${STATUS_CODES[code] ?? 'Error'}`;
  const hint =
    code === 404
      ? 'No route matches this URL.'
      : code === 503
        ? 'The server this URL routes to is not answering. It may be stopped or starting; try again shortly.'
        : 'The proxy could not handle this request.';
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><h1>${title}</h1><p>${hint}</p></body></html>\n`
  );
}

function sendBuiltin(res: ServerResponse, code: number): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const body = builtin(code);
  res.writeHead(code, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function fromErrorTarget(
  plane: Plane,
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
): Promise<void> {
  const base = new URL(plane.opts.errorTarget!);
  const path = `${base.pathname.endsWith('/') ? base.pathname : base.pathname + '/'}${code}?url=${encodeURIComponent(req.url ?? '/')}`;
  let upstream: Dispatcher.ResponseData;
  try {
    upstream = await plane.upstreams.get(originKey(base)).request({
      path,
      method: 'GET',
      headersTimeout: ERROR_FETCH_TIMEOUT,
      bodyTimeout: ERROR_FETCH_TIMEOUT,
      headers: { accept: 'text/html' },
    });
  } catch (err) {
    plane.log.error(
      'Failed to get custom error page from %s: %s',
      plane.opts.errorTarget,
      (err as Error).message,
    );
    sendBuiltin(res, code);
    return;
  }
  if (res.headersSent || res.destroyed) {
    upstream.body.destroy();
    return;
  }
  const ct = upstream.headers['content-type'];
  const ce = upstream.headers['content-encoding'];
  if (ct) res.setHeader('content-type', ct);
  if (ce) res.setHeader('content-encoding', ce);
  res.writeHead(code);
  upstream.body.on('error', () => res.destroy());
  res.once('close', () => {
    if (!upstream.body.destroyed) upstream.body.destroy();
  });
  upstream.body.pipe(res);
}

async function fromErrorPath(plane: Plane, res: ServerResponse, code: number): Promise<void> {
  const dir = plane.opts.errorPath!;
  let data: Buffer | undefined;
  for (const name of [`${code}.html`, 'error.html']) {
    try {
      data = await readFile(join(dir, name));
      break;
    } catch {
      plane.log.debug('No error file %s', join(dir, name));
    }
  }
  if (!data) {
    plane.log.error(
      'No error file for %s in --error-path %s (expected %s.html or error.html)',
      code,
      dir,
      code,
    );
    sendBuiltin(res, code);
    return;
  }
  if (res.headersSent || res.destroyed) return;
  res.writeHead(code, { 'content-type': 'text/html', 'content-length': data.length });
  res.end(data);
}

/** Answer `res` with the error page for `code`. Never throws. */
export function sendErrorPage(
  plane: Plane,
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
): void {
  let p: Promise<void>;
  if (plane.opts.errorTarget) p = fromErrorTarget(plane, req, res, code);
  else if (plane.opts.errorPath) p = fromErrorPath(plane, res, code);
  else {
    sendBuiltin(res, code);
    return;
  }
  p.catch((err: Error) => {
    plane.log.error('error page for %s failed: %s', code, err.message);
    sendBuiltin(res, code);
  });
}
