import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import type { Principal } from '../core/rbac/permissions.js';
import { accessScopesFor, checkAccess } from '../core/rbac/scopes.js';
import { oauthGrantedScopes, oauthRequestedScopes } from '../core/rbac/scopes-oauth.js';
import { HubError, isHubError } from '../errors.js';
import { SESSION_COOKIE } from '../http/cookies.js';
import { pageContext, sendPage } from '../http/page-context.js';
import { principalOf } from '../http/principal.js';
import { renderError, renderOAuthConsent } from '../http/pages/render/index.js';
import { checkXsrf, isSecure } from '../http/xsrf.js';

const CODE_LIFETIME_MS = 300_000;
const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 30 random alphanumerics (the shape oauthlib uses). */
export function randomCode(n = 30): string {
  const bytes = randomBytes(n * 2);
  let out = '';
  for (let i = 0; out.length < n && i < bytes.length; i++)
    if (bytes[i] < 248) out += CODE_ALPHABET[bytes[i] % 62];
  return out.length === n ? out : randomCode(n);
}

/** Build `<redirect_uri>?params` keeping a relative redirect URI relative. */
function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, v);
  return uri + (uri.includes('?') ? '&' : '?') + qs.toString();
}

function fatal(message: string): HubError {
  return new HubError('LABHUB_ERR_OAUTH', 400, message);
}

/** Raw query params, detecting duplicates (a fatal error for OAuth). */
function queryParams(req: FastifyRequest): Record<string, string> {
  const url = new URL(req.url, 'http://x');
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in out) throw fatal(`Duplicate parameter '${k}' in the authorization request`);
    out[k] = v;
  }
  return out;
}

/**
 * GET/POST /hub/api/oauth2/authorize (§3.2): browser, cookie-authenticated. Fatal problems (unknown
 * client, redirect_uri mismatch) show an error page; recoverable ones redirect back with `error=`.
 */
export async function handleAuthorize(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  try {
    return await authorize(ctx, req, reply);
  } catch (e) {
    // A browser endpoint under /hub/api/: refusals are an HTML page (§3.2: fatal errors are an
    // error page, never a redirect), not the API's JSON. 5xx go to the app's handler (error id).
    if (!isHubError(e) || e.status >= 500 || reply.sent) throw e;
    for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    if (e.logMessage) ctx.log.warn({ code: e.code, url: req.url.slice(0, 500) }, e.logMessage);
    const p = await principalOf(ctx, req).catch(() => null);
    return sendPage(
      reply,
      renderError(pageContext(ctx, req, reply, p), { status: e.status, message: e.userMessage }),
      e.status,
    );
  }
}

async function authorize(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const q = queryParams(req);
  const p = await principalOf(ctx, req);
  if (!p || p.via !== 'cookie' || !p.user) {
    const next = req.url;
    return reply.redirect(`${ctx.settings.hubPrefix}login?next=${encodeURIComponent(next)}`, 302);
  }
  if (!q.client_id) throw fatal('Missing client_id in the authorization request');
  const client = await ctx.store.oauth.client(q.client_id);
  if (!client || !client.secretHash)
    throw fatal(
      `Unknown OAuth client '${q.client_id.slice(0, 80)}'. If this is a user server, it may have been stopped: start it again from the hub home page.`,
    );
  const redirectUri = q.redirect_uri ?? client.redirectUri;
  if (redirectUri !== client.redirectUri)
    throw fatal(
      `redirect_uri '${redirectUri.slice(0, 200)}' does not match the one registered for ${client.id}`,
    );
  const state = q.state;
  const errorRedirect = (error: string, description: string) =>
    reply.redirect(withQuery(redirectUri, { error, error_description: description, state }), 302);
  if (q.response_type !== 'code')
    return errorRedirect(
      q.response_type ? 'unsupported_response_type' : 'invalid_request',
      'response_type must be code',
    );
  const method = q.code_challenge ? (q.code_challenge_method ?? 'plain') : null;
  if (method && method !== 'S256' && method !== 'plain')
    return errorRedirect('invalid_request', `Unsupported code_challenge_method '${method}'`);
  if (q.code_challenge && !/^[A-Za-z0-9\-._~]{43,128}$/.test(q.code_challenge))
    return errorRedirect('invalid_request', 'Invalid code_challenge');
  if (ctx.settings.oauthRequirePkce && !q.code_challenge)
    return errorRedirect('invalid_request', 'Code challenge required (PKCE)');

  const resource = await ctx.permissions.oauthClientResource(client.id);
  const access = accessScopesFor(resource ?? {});
  const requested = oauthRequestedScopes({
    scopeParam: q.scope,
    clientAllowed: client.allowedScopes,
    accessScopes: access,
    roleScopes: (name) => ctx.permissions.roles().get(name)?.scopes,
    customScopes: ctx.permissions.customScopes,
  });
  if (!requested.ok) return errorRedirect(requested.error, requested.description);

  // The user must be allowed to use the resource behind this client.
  const groupsOf = await ctx.permissions.groupsOf([
    p.user.name,
    resource?.server?.split('/')[0] ?? '',
  ]);
  if (resource?.server !== undefined || resource?.service !== undefined) {
    const verdict =
      resource.server !== undefined
        ? checkAccess(p.scopes, ['access:servers'], { server: resource.server }, groupsOf)
        : checkAccess(p.scopes, ['access:services'], { service: resource.service }, groupsOf);
    if (verdict !== 'granted')
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        `You do not have permission to access ${client.description}`,
      );
  }
  const granted = oauthGrantedScopes(
    {
      requested: requested.scopes,
      userRawScopes: await ctx.permissions.userRawScopes(p.user),
      userName: p.user.name,
      client: resource ?? {},
      accessScopes: access,
      customScopes: ctx.permissions.customScopes,
    },
    groupsOf,
  );
  let scopes = [...granted.granted].sort();

  const ownServer = resource?.server !== undefined && resource.server.split('/')[0] === p.user.name;
  const noConfirm =
    ownServer ||
    (resource?.service !== undefined && !!ctx.services.get(resource.service)?.oauthNoConfirm);
  if (!noConfirm && req.method === 'GET') {
    const existing = (await ctx.store.tokens.forUser(p.user.id)).filter(
      (t) => t.clientId === client.id,
    );
    const covered = existing.some((t) => scopes.every((s) => t.scopes.includes(s)));
    if (!covered) {
      const pc = pageContext(ctx, req, reply, p);
      return sendPage(
        reply,
        renderOAuthConsent(pc, { clientDescription: client.description, scopes, xsrf: pc.xsrf }),
      );
    }
  }
  if (req.method === 'POST') {
    checkXsrf(ctx, req);
    // §3.2.7: the consent form posts the scopes the person agreed to; none means identify only.
    // Never more than was shown (the intersection), whatever the form sends.
    const posted = postedScopes(req.body);
    scopes = scopes.filter((s) => (posted.size ? posted.has(s) : IDENTIFY_SCOPES.has(s)));
  }

  const sessionId = ensureSessionCookie(ctx, req, reply, p);
  const code = randomCode();
  await ctx.store.oauth.createCode(code, {
    clientId: client.id,
    userId: p.user.id,
    scopes,
    redirectUri,
    sessionId,
    codeChallenge: q.code_challenge ?? null,
    codeChallengeMethod: method,
    expiresAt: new Date(Date.now() + CODE_LIFETIME_MS),
  });
  return reply.redirect(withQuery(redirectUri, { code, state }), 302);
}

/** The identify scopes as requested (before `!user` is resolved to a name). */
const IDENTIFY_SCOPES = new Set(['read:users:name!user', 'read:users:groups!user']);

/** `scopes` values of a consent form POST (one or many). */
function postedScopes(body: unknown): Set<string> {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>).scopes : undefined;
  return new Set((Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String));
}

/** The jupyterhub-session-id cookie (created if missing) ties OAuth tokens to the login session. */
function ensureSessionCookie(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
  p: Principal,
): string {
  const existing = req.cookies?.[SESSION_COOKIE];
  if (p.sessionId && existing === p.sessionId) return p.sessionId;
  const id = p.sessionId ?? randomBytes(16).toString('hex');
  reply.setCookie(SESSION_COOKIE, id, {
    path: ctx.settings.baseUrl,
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(req, ctx),
  });
  return id;
}
