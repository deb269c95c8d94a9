/**
 * Declared API routes: each route states its method, URL, who may call it (scopes, or why none are
 * needed) and the schemas of its body and query, as data. `registerDeclared` checks every scope
 * against the vocabulary when the route is registered (a misspelled scope stops the hub at start),
 * enforces access in a preHandler with the decision of http/guard.ts, and parses body and query
 * with zod into 400s naming the field. The table of declared routes is kept per app
 * (`declaredApiRoutes`) for the OpenAPI coverage test.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
  RouteOptions,
} from 'fastify';
import type { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import type { Principal } from '../../core/rbac/permissions.js';
import {
  META_SCOPES,
  SCOPE_DEFINITIONS,
  suggestScope,
  type ScopeResource,
} from '../../core/rbac/scopes.js';
import { HubError } from '../../errors.js';
import { authenticatedApi, requireApi } from '../guard.js';
import { parseBody, parseQuery } from './route-input.js';

/**
 * Who may call a route:
 * - `string[]`: any one of these scopes, for the resource `resource(req)` (requireApi);
 * - `{ authenticated }`: any valid credential, the handler decides the rest (the reason says why);
 * - `{ public }`: no credential at all (the reason says why);
 * - `{ selfAuthorizing }`: the handler authenticates the caller itself (the reason says how).
 */
export type Access =
  | readonly string[]
  | { readonly authenticated: string }
  | { readonly public: string }
  | { readonly selfAuthorizing: string };

export interface RouteInput<B, Q> {
  /** The caller (scoped and `authenticated` routes only). */
  principal: Principal;
  body: B;
  query: Q;
}

export interface RouteDef<B = undefined, Q = undefined> {
  method: HTTPMethods | HTTPMethods[];
  /** Below the plugin's prefix, e.g. `/users/:name`. */
  url: string;
  scopes: Access;
  /** The scoped resource, from the path (default: none, i.e. the scope unfiltered or any filter). */
  resource?: (req: FastifyRequest) => ScopeResource;
  /** When false, the scope check is skipped (e.g. metrics without authenticate_prometheus). */
  enforce?: () => boolean;
  /** Schema of the JSON object body (absent body = `{}`); a mismatch is a 400 naming the field. */
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** Extra fastify route options (onRequest hooks, …). */
  options?: Partial<Pick<RouteOptions, 'onRequest'>>;
  handler: (req: FastifyRequest, reply: FastifyReply, input: RouteInput<B, Q>) => unknown;
}

/** What the route table records of each declared route. */
export interface DeclaredRoute {
  methods: string[];
  url: string;
  scopes: Access;
}

/** Declares a route (types only: checks happen in registerDeclared). */
export function route<B = undefined, Q = undefined>(def: RouteDef<B, Q>): RouteDef<B, Q> {
  return def;
}

export type AnyRoute = RouteDef<any, any>;

const tables = new WeakMap<FastifyInstance, DeclaredRoute[]>();

/** The declared API routes of an app (its root instance), in registration order. */
export function declaredApiRoutes(app: FastifyInstance): DeclaredRoute[] {
  return tables.get(app) ?? [];
}

/** Starts the route table of `root`; routes registered with registerDeclared go there. */
export function startRouteTable(root: FastifyInstance): DeclaredRoute[] {
  const table: DeclaredRoute[] = [];
  tables.set(root, table);
  return table;
}

/**
 * The problem with a route's declared scopes, or null. Scopes are bare names of the built-in
 * vocabulary (src/core/rbac/scopes-vocabulary.ts): no filters, no metascopes, at least one.
 */
export function accessError(where: string, access: Access): string | null {
  if (!Array.isArray(access)) {
    const a = access as Record<string, unknown>;
    const kinds = ['authenticated', 'public', 'selfAuthorizing'].filter((k) => k in a);
    if (kinds.length !== 1 || typeof a[kinds[0]] !== 'string' || !a[kinds[0]])
      return `${where}: scopes must be a list of scope names or one of {authenticated|public|selfAuthorizing: '<why>'}`;
    return null;
  }
  const scopes = access as readonly string[];
  if (!scopes.length)
    return `${where} declares no scope: list the scopes that allow it, or declare it {public: '<why>'}`;
  for (const s of scopes) {
    if (Object.hasOwn(SCOPE_DEFINITIONS, s) && !META_SCOPES.has(s)) continue;
    const hint = suggestScope(s.split('!')[0]);
    return `${where} declares the unknown scope '${s}'${hint ? ` (did you mean '${hint}'?)` : ''}: route scopes must be names from src/core/rbac/scopes-vocabulary.ts, without filters`;
  }
  return null;
}

/** An onRoute hook for API plugins: refuses, at start, a route added without route(). */
export function requireDeclaredAccess(opts: RouteOptions): void {
  if (!(opts.config as { access?: unknown } | undefined)?.access)
    throw new HubError(
      'LABHUB_ERR_INTERNAL',
      500,
      `API route ${String(opts.method)} ${opts.url} was added without declaring who may call it: add it with route() from src/http/api/route.ts`,
    );
}

const principals = new WeakMap<FastifyRequest, Principal>();
const inputs = new WeakMap<FastifyRequest, { body: unknown; query: unknown }>();

/** Registers declared routes on `app` (the API plugin, or the root for routes outside it). */
export function registerDeclared(
  app: FastifyInstance,
  ctx: HubContext,
  table: DeclaredRoute[],
  defs: AnyRoute[],
): void {
  for (const def of defs) {
    const methods = Array.isArray(def.method) ? def.method : [def.method];
    const where = `API route ${methods.join(',')} ${app.prefix}${def.url}`;
    const problem = accessError(where, def.scopes);
    if (problem) throw new HubError('LABHUB_ERR_INTERNAL', 500, problem);
    table.push({ methods, url: `${app.prefix}${def.url}`, scopes: def.scopes });
    const access = def.scopes;
    app.route({
      method: def.method,
      url: def.url,
      ...(def.options ?? {}),
      config: { access },
      preHandler: async (req) => {
        if (Array.isArray(access)) {
          if (!def.enforce || def.enforce())
            principals.set(req, await requireApi(ctx, req, [...access], def.resource?.(req)));
        } else if ('authenticated' in access) {
          principals.set(req, await authenticatedApi(ctx, req));
        }
        inputs.set(req, {
          body: def.body ? parseBody(req, def.body) : undefined,
          query: def.query ? parseQuery(req, def.query) : undefined,
        });
      },
      handler: async (req, reply) => {
        const parsed = inputs.get(req);
        const input = {
          get principal(): Principal {
            const p = principals.get(req);
            if (!p)
              throw new HubError(
                'LABHUB_ERR_INTERNAL',
                500,
                `${where} has no authenticated caller (its scopes are not enforced here)`,
              );
            return p;
          },
          body: parsed?.body,
          query: parsed?.query,
        };
        return def.handler(req, reply, input);
      },
    });
  }
}
