import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import { filterServiceModel } from '../../core/rbac/model-filter.js';
import { checkAccess, mayModifyAdmin, scopeError } from '../../core/rbac/scopes.js';
import type { ServiceInfo } from '../../core/services.js';
import { checkServiceName } from '../../util/names.js';
import { HubError } from '../../errors.js';
import { route, type AnyRoute } from './route.js';
import { jsonBody, param } from './params.js';
import { serviceModel } from './service-model.js';

/** Keys `POST /services/{name}` accepts (JupyterHub's list); the managed-process ones are refused. */
const SERVICE_KEYS = [
  'admin',
  'url',
  'oauth_client_allowed_scopes',
  'api_token',
  'info',
  'display',
  'oauth_no_confirm',
  'command',
  'cwd',
  'environment',
  'user',
  'oauth_client_id',
  'oauth_redirect_uri',
];
const MANAGED_KEYS = ['command', 'cwd', 'environment', 'user'];

const bad = (msg: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, msg);

/** `GET /services[/{name}]`, and runtime services: `POST` / `DELETE /services/{name}` (§4.5). */
export function serviceRoutes(ctx: HubContext): AnyRoute[] {
  const noGroups = () => [] as string[];

  const list = route({
    method: 'GET',
    url: '/services',
    scopes: ['list:services'],
    handler: async (_req, _reply, { principal: p }) => {
      const out: JsonObject = {};
      for (const s of ctx.services.all()) {
        if (checkAccess(p.scopes, ['list:services'], { service: s.name }, noGroups) !== 'granted')
          continue;
        const m = filterServiceModel(await serviceModel(ctx, s), p.scopes, noGroups);
        if (m) out[s.name] = m;
      }
      return out;
    },
  });

  const service = (req: FastifyRequest) => ({ service: param(req, 'name') });
  const getOne = route({
    method: 'GET',
    url: '/services/:name',
    scopes: ['read:services', 'read:services:name', 'read:roles:services'],
    resource: service,
    handler: async (req, _reply, { principal: p }) => {
      const name = param(req, 'name');
      const s = ctx.services.get(name);
      if (!s)
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such service: ${name.slice(0, 64)}`);
      return filterServiceModel(await serviceModel(ctx, s), p.scopes, noGroups);
    },
  });

  const create = route({
    method: 'POST',
    url: '/services/:name',
    scopes: ['admin:services'],
    resource: service,
    handler: async (req, reply, { principal: p }) => {
      const name = param(req, 'name');
      if (ctx.services.get(name))
        throw new HubError('LABHUB_ERR_CONFLICT', 409, `Service ${name} already exists`);
      const nameCheck = checkServiceName(name);
      if (!nameCheck.ok) throw bad(`Invalid service name: ${nameCheck.reason}`);
      const body = jsonBody(req);
      const unknown = Object.keys(body).filter((k) => !SERVICE_KEYS.includes(k));
      if (unknown.length)
        throw bad(
          `Unknown service fields: ${unknown.join(', ')} (allowed: ${SERVICE_KEYS.filter((k) => !MANAGED_KEYS.includes(k)).join(', ')})`,
        );
      const managed = Object.keys(body).filter((k) => MANAGED_KEYS.includes(k));
      if (managed.length)
        throw bad(
          `Managed services (with ${managed.join(', ')}) cannot be created through the API; add them to JupyterHub.services in the config file`,
        );
      const str = (k: string): string | null => {
        if (body[k] === undefined || body[k] === null) return null;
        if (typeof body[k] !== 'string') throw bad(`${k} must be a string`);
        return body[k] as string;
      };
      const bool = (k: string, dflt: boolean): boolean => {
        if (body[k] === undefined) return dflt;
        if (typeof body[k] !== 'boolean') throw bad(`${k} must be true or false`);
        return body[k] as boolean;
      };
      const url = str('url');
      if (url && !/^https?:\/\/[^/]+/.test(url))
        throw bad(
          `url must be an http(s) URL such as http://127.0.0.1:10101, got '${url.slice(0, 80)}'`,
        );
      const apiToken = str('api_token');
      if (apiToken !== null && apiToken.length < 8)
        throw bad('api_token must be at least 8 characters');
      const admin = bool('admin', false);
      if (admin && !mayModifyAdmin(p.scopes, !!p.user?.admin))
        throw new HubError(
          'LABHUB_ERR_FORBIDDEN',
          403,
          'Only admin users may create admin services.',
        );
      const allowed = body.oauth_client_allowed_scopes ?? [];
      if (!Array.isArray(allowed) || !allowed.every((s) => typeof s === 'string'))
        throw bad('oauth_client_allowed_scopes must be a list of scopes');
      for (const s of allowed as string[]) {
        const err = scopeError(s, ctx.permissions.customScopes);
        if (err) throw bad(err);
      }
      const info = body.info ?? {};
      if (typeof info !== 'object' || info === null || Array.isArray(info))
        throw bad('info must be a JSON object');
      const spec: Omit<ServiceInfo, 'pid' | 'fromConfig'> = {
        name,
        apiToken: null,
        url,
        command: null,
        environment: {},
        cwd: null,
        user: null,
        oauthClientAllowedScopes: allowed as string[],
        oauthNoConfirm: bool('oauth_no_confirm', false),
        oauthRedirectUri: str('oauth_redirect_uri'),
        display: bool('display', true),
        info: info as Record<string, unknown>,
        admin,
      };
      const clientId = str('oauth_client_id') ?? `service-${name}`;
      const svc = ctx.services.add(spec);
      try {
        const { name: _n, apiToken: _t, ...persisted } = spec;
        await ctx.store.apiServices.put(name, { ...persisted, oauthClientId: clientId });
        if (apiToken) {
          await ctx.store.tokens.create({
            serviceName: name,
            scopes: ['inherit'],
            note: `Service ${name} (created through the API)`,
            supplied: apiToken,
          });
          if (url || spec.oauthRedirectUri) {
            const prefix = ctx.services.prefix(name, ctx.settings.baseUrl);
            await ctx.store.oauth.upsertClient({
              id: clientId,
              secret: apiToken,
              redirectUri: spec.oauthRedirectUri ?? `${prefix}oauth_callback`,
              description: `Service ${name}`,
              allowedScopes: spec.oauthClientAllowedScopes,
              serverId: null,
            });
          }
        }
        if (url)
          await ctx.proxy.addRoute(
            ctx.services.routeSpec(name, ctx.settings.baseUrl),
            new URL(url).origin,
            { service: name },
          );
      } catch (e) {
        ctx.services.remove(name);
        await ctx.store.apiServices.delete(name).catch(() => undefined);
        await ctx.store.tokens.deleteForService(name).catch(() => undefined);
        throw e;
      }
      return reply.code(201).send(await serviceModel(ctx, svc));
    },
  });

  const remove = route({
    method: 'DELETE',
    url: '/services/:name',
    scopes: ['admin:services'],
    resource: service,
    handler: async (req, reply) => {
      const name = param(req, 'name');
      const s = ctx.services.get(name);
      if (!s)
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such service: ${name.slice(0, 64)}`);
      if (s.fromConfig)
        throw new HubError(
          'LABHUB_ERR_METHOD_NOT_ALLOWED',
          405,
          `Service ${name} is defined in the config file (JupyterHub.services); remove it there and restart the hub`,
        );
      const stored = (await ctx.store.apiServices.all()).find((x) => x.name === name);
      ctx.services.remove(name);
      await ctx.store.apiServices.delete(name);
      await ctx.store.tokens.deleteForService(name);
      const clientId =
        typeof stored?.spec.oauthClientId === 'string'
          ? stored.spec.oauthClientId
          : `service-${name}`;
      await ctx.store.tokens.deleteForClient(clientId);
      await ctx.store.oauth.deleteClient(clientId);
      if (s.url) {
        try {
          await ctx.proxy.deleteRoute(ctx.services.routeSpec(name, ctx.settings.baseUrl));
        } catch (e) {
          ctx.log.warn({ err: e }, `Could not delete the proxy route of service ${name}`);
        }
      }
      return reply.code(200).send('');
    },
  });
  return [list, getOne, create, remove];
}
