import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { MAX_SQL_INT, boundedInt } from '../../core/bounded-input.js';

export const PAGINATION_MEDIA_TYPE = 'application/jupyterhub-pagination+json';

/** Whether the client asked for the paginated shape (exact token match, §4.2). */
export function wantsPagination(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.split(',').some((p) => p.trim().toLowerCase() === PAGINATION_MEDIA_TYPE);
}

/**
 * offset/limit from the query: integers up to an SQL integer (else 400), negatives made positive
 * (as JupyterHub does), limit clamped to [1, max].
 */
export function pageParams(
  ctx: HubContext,
  req: FastifyRequest,
  paginated: boolean,
): { offset: number; limit: number } {
  const q = req.query as Record<string, unknown>;
  const num = (name: 'offset' | 'limit', dflt: number) => {
    const v = q[name];
    if (v === undefined || v === '') return dflt;
    return Math.abs(boundedInt(v, name, { min: -MAX_SQL_INT, max: MAX_SQL_INT, text: true }));
  };
  const offset = num('offset', 0);
  const max = ctx.settings.pageMaxLimit;
  const limit = Math.min(
    Math.max(num('limit', paginated ? ctx.settings.pageDefaultLimit : max), 1),
    max,
  );
  return { offset, limit };
}

/** `_pagination` with an absolute `next.url` built from the request (scheme + Host). */
export function paginationInfo(
  req: FastifyRequest,
  offset: number,
  limit: number,
  total: number,
): Record<string, unknown> {
  let next = null;
  if (offset + limit < total) {
    const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? 'localhost'}`);
    url.searchParams.set('offset', String(offset + limit));
    url.searchParams.set('limit', String(limit));
    next = { offset: offset + limit, limit, url: url.toString() };
  }
  return { offset, limit, total, next };
}
