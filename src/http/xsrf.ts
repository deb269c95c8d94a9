import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import { HubError } from '../errors.js';
import { LOGIN_COOKIE, XSRF_COOKIE } from './cookies.js';

/**
 * XSRF tokens are derived from the login session (or, before login, from a random anonymous id
 * kept in the `_xsrf` cookie) with the cookie secret, so no per-form state is stored.
 */
export function xsrfToken(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): string {
  const sessionId = ctx.signer.unsign(LOGIN_COOKIE, req.cookies?.[LOGIN_COOKIE]);
  if (sessionId) return ctx.signer.derive('xsrf-session', sessionId);
  let anon = ctx.signer.unsign(XSRF_COOKIE, req.cookies?.[XSRF_COOKIE]);
  if (!anon) {
    anon = randomBytes(16).toString('hex');
    reply.setCookie(XSRF_COOKIE, ctx.signer.sign(XSRF_COOKIE, anon), {
      path: ctx.settings.hubPrefix,
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure(req, ctx),
      maxAge: 3600,
    });
    // Make the new id visible to a check later in this same request.
    (req.cookies as Record<string, string>)[XSRF_COOKIE] = ctx.signer.sign(XSRF_COOKIE, anon);
  }
  return ctx.signer.derive('xsrf-anon', anon);
}

/** The token this request is expected to carry (null when it has no session/anonymous id). */
function expectedToken(ctx: HubContext, req: FastifyRequest): string | null {
  const sessionId = ctx.signer.unsign(LOGIN_COOKIE, req.cookies?.[LOGIN_COOKIE]);
  if (sessionId) return ctx.signer.derive('xsrf-session', sessionId);
  const anon = ctx.signer.unsign(XSRF_COOKIE, req.cookies?.[XSRF_COOKIE]);
  return anon ? ctx.signer.derive('xsrf-anon', anon) : null;
}

function providedToken(req: FastifyRequest): string | null {
  const h = req.headers['x-xsrftoken'] ?? req.headers['x-csrftoken'];
  if (typeof h === 'string' && h) return h;
  const q = (req.query as Record<string, unknown> | undefined)?._xsrf;
  if (typeof q === 'string' && q) return q;
  const b = req.body as Record<string, unknown> | undefined;
  if (b && typeof b === 'object' && typeof b._xsrf === 'string') return b._xsrf;
  return null;
}

/**
 * Whether a GET is a top-level navigation: `Sec-Fetch-Mode: navigate`, or no Sec-Fetch-Mode at all
 * (old browsers and non-browser clients). `no-cors`, `cors` and `same-origin` (images, scripts,
 * fetch) are not: a page on another origin of the same site can send them with the user's
 * SameSite=Lax cookies (CVE-2026-40864).
 */
export function isNavigation(req: FastifyRequest): boolean {
  const mode = req.headers['sec-fetch-mode'];
  return mode === undefined || mode === 'navigate';
}

/**
 * Whether a cookie-authenticated request may skip the check: only safe methods that are plain
 * navigations (see {@link isNavigation}).
 */
export function xsrfExempt(req: FastifyRequest): boolean {
  if (req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  return req.method === 'GET' && isNavigation(req);
}

/**
 * For the few page GETs that change state (start a server, log out), as JupyterHub's links need:
 * throws 403 LABHUB_ERR_XSRF unless the request is a GET the person made by following a link
 * or typing the URL: a top-level navigation that is not a prefetch (`Sec-Purpose: prefetch`).
 * HEAD never changes state.
 */
export function requireNavigation(req: FastifyRequest, action: string): void {
  const mode = req.headers['sec-fetch-mode'];
  const purpose = String(req.headers['sec-purpose'] ?? req.headers.purpose ?? '');
  if (req.method === 'GET' && isNavigation(req) && !/prefetch|prerender/i.test(purpose)) return;
  const what =
    req.method !== 'GET'
      ? `a ${req.method} request`
      : mode !== undefined && mode !== 'navigate'
        ? `a request with Sec-Fetch-Mode: ${String(mode).slice(0, 20)}`
        : 'a prefetch';
  throw new HubError(
    'LABHUB_ERR_XSRF',
    403,
    `${req.url.split('?')[0].slice(0, 200)} ${action}, so it is only done when you open the link in the browser (a top-level navigation); this was ${what}. Open the link directly, or use the REST API with a token.`,
  );
}

/** Throws 403 LABHUB_ERR_XSRF unless the request carries the right token. */
export function checkXsrf(ctx: HubContext, req: FastifyRequest): void {
  const expected = expectedToken(ctx, req);
  const given = providedToken(req);
  if (!given)
    throw new HubError(
      'LABHUB_ERR_XSRF',
      403,
      "'_xsrf' argument missing from request: reload the page and try again.",
    );
  if (
    !expected ||
    given.length !== expected.length ||
    !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  ) {
    throw new HubError(
      'LABHUB_ERR_XSRF',
      403,
      'XSRF cookie does not match the request: reload the page and try again.',
    );
  }
}

/**
 * Whether cookies get the Secure flag (§7.3): the request came over HTTPS, or the hub's public
 * URL is https. The second matters behind a TLS-terminating load balancer: the proxy appends its
 * own `http` to X-Forwarded-Proto, so the hub would otherwise never see https.
 */
export function isSecure(req: FastifyRequest, ctx?: HubContext): boolean {
  return req.protocol === 'https' || !!ctx?.settings.publicUrl?.toLowerCase().startsWith('https:');
}
