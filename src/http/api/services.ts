import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import { filterServiceModel } from '../../core/rbac/model-filter.js';
import { checkAccess } from '../../core/rbac/scopes.js';
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
      const allowed = body.oauth_client_allowed_scopes ?? [];
      if (!Array.isArray(allowed) || !allowed.every((s) => typeof s === 'string'))
        throw bad('oauth_client_allowed_scopes must be a list of scopes');
      const info = body.info ?? {};
      if (typeof info !== 'object' || info === null || Array.isArray(info))
        throw bad('info must be a JSON object');
      const svc = await ctx.apiServices.create(
        { scopes: p.scopes, isAdmin: !!p.user?.admin },
        name,
        {
          url: str('url'),
          apiToken: str('api_token'),
          admin: bool('admin', false),
          oauthClientAllowedScopes: allowed as string[],
          oauthNoConfirm: bool('oauth_no_confirm', false),
          oauthRedirectUri: str('oauth_redirect_uri'),
          oauthClientId: str('oauth_client_id'),
          display: bool('display', true),
          info: info as Record<string, unknown>,
        },
      );
      return reply.code(201).send(await serviceModel(ctx, svc));
    },
  });

  const remove = route({
    method: 'DELETE',
    url: '/services/:name',
    scopes: ['admin:services'],
    resource: service,
    handler: async (req, reply) => {
      await ctx.apiServices.remove(param(req, 'name'));
      return reply.code(200).send('');
    },
  });
  return [list, getOne, create, remove];
}
