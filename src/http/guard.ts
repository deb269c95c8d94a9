import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import type { Principal } from '../core/rbac/permissions.js';
import {
  checkAccessLoadingGroups,
  describeMissing,
  type ScopeResource,
} from '../core/rbac/scopes.js';
import { HubError } from '../errors.js';
import { principalOf } from './principal.js';
import { checkXsrf, xsrfExempt } from './xsrf.js';

/**
 * Authenticate an API request and check it holds one of `anyOf` for `resource` (§4.1):
 * no credentials → 403 "Missing or invalid credentials."; scope held but filtered away → 404;
 * scope missing → 403 naming the scopes. Cookie-authenticated requests must pass XSRF.
 */
export async function requireApi(
  ctx: HubContext,
  req: FastifyRequest,
  anyOf: string[],
  resource: ScopeResource = {},
): Promise<Principal> {
  const p = await authenticatedApi(ctx, req);
  await requireScope(ctx, p, anyOf, resource);
  return p;
}

/** Any valid credential (token, or cookie + XSRF). */
export async function authenticatedApi(ctx: HubContext, req: FastifyRequest): Promise<Principal> {
  const p = await principalOf(ctx, req);
  if (!p)
    throw new HubError('LABHUB_ERR_NOT_AUTHENTICATED', 403, 'Missing or invalid credentials.');
  if (p.via === 'cookie') {
    // JupyterHub ignores cookies on API POSTs with a form content type: a cross-site form could send one.
    const ct = String(req.headers['content-type'] ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD' && ct && !ct.startsWith('application/json')) {
      throw new HubError(
        'LABHUB_ERR_NOT_AUTHENTICATED',
        403,
        'Missing or invalid credentials (cookie-authenticated API requests must send JSON).',
      );
    }
    if (!xsrfExempt(req)) checkXsrf(ctx, req);
  }
  return p;
}

/** The scope decision for a principal on a resource (group membership read only if needed). */
async function verdictFor(
  ctx: HubContext,
  p: Principal,
  anyOf: string[],
  resource: ScopeResource,
): Promise<'granted' | 'filtered' | 'missing'> {
  const users = [resource.user, resource.server?.split('/')[0]].filter((x): x is string => !!x);
  return checkAccessLoadingGroups(p.scopes, anyOf, resource, () => ctx.permissions.groupsOf(users));
}

export async function requireScope(
  ctx: HubContext,
  p: Principal,
  anyOf: string[],
  resource: ScopeResource = {},
): Promise<void> {
  const verdict = await verdictFor(ctx, p, anyOf, resource);
  if (verdict === 'granted') return;
  if (verdict === 'filtered')
    throw new HubError(
      'LABHUB_ERR_NOT_FOUND',
      404,
      'No access to resources or resources not found',
    );
  throw new HubError('LABHUB_ERR_FORBIDDEN', 403, describeMissing(anyOf));
}

/** Non-throwing variant for pages and model filtering. */
export async function holds(
  ctx: HubContext,
  p: Principal,
  anyOf: string[],
  resource: ScopeResource = {},
): Promise<boolean> {
  return (await verdictFor(ctx, p, anyOf, resource)) === 'granted';
}
