import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import { HubError } from '../../errors.js';
import type { Principal } from '../../core/rbac/permissions.js';
import { route, type AnyRoute } from './route.js';
import { jsonBody, param, serverOr404, userOr404 } from './params.js';
import { serverModel } from './models.js';
import { streamProgress } from './progress-stream.js';
import { readyEvent } from '../../core/spawn/progress.js';
import { checkServerName } from '../../util/names.js';

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string')
    throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${key} must be a string, got ${typeof v}`);
  return v;
}

function optionalObject(body: Record<string, unknown>, key: string): JsonObject | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v))
    throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${key} must be a JSON object`);
  return v as JsonObject;
}

/** Start / stop / inspect / progress of default and named servers (§4.5). */
export function serverRoutes(ctx: HubContext): AnyRoute[] {
  const base = '/users/:name';
  /** The server a request names: `<user>/<server>` (the default server is `<user>/`). */
  const server = (req: FastifyRequest) => ({
    server: `${param(req, 'name')}/${param(req, 'server')}`,
  });

  /** Named servers on, and (unless only an existing server is stopped) the name passes. */
  const checkNamed = (serverName: string, opts: { existingOnly?: boolean } = {}) => {
    if (!serverName) return;
    if (!ctx.settings.allowNamedServers)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'Named servers are not enabled (set JupyterHub.allow_named_servers = True).',
      );
    // Stopping or removing a server with a name from before the rules stays possible.
    if (opts.existingOnly) return;
    const v = checkServerName(serverName);
    if (!v.ok)
      throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `Invalid server name: ${v.reason}.`);
  };

  const checkLimit = async (userId: number, name: string, serverName: string) => {
    if (!serverName || ctx.settings.namedServerLimitPerUser <= 0) return;
    const named = (await ctx.store.servers.forUser(userId)).filter((s) => s.name !== '');
    if (
      !named.some((s) => s.name === serverName) &&
      named.length >= ctx.settings.namedServerLimitPerUser
    ) {
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `User ${name} already has the maximum of ${ctx.settings.namedServerLimitPerUser} named servers. Delete one first.`,
      );
    }
  };

  const start = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const name = param(req, 'name');
    const user = await userOr404(ctx, name);
    checkNamed(serverName);
    await checkLimit(user.id, name, serverName);
    const body = jsonBody(req);
    const hasNewForm = 'user_options' in body || 'display_name' in body;
    // The new form: {user_options: {...}, display_name}; the old one: the options themselves.
    const displayName = hasNewForm ? optionalString(body, 'display_name') : null;
    const userOptions =
      req.body === undefined || req.body === null
        ? null
        : hasNewForm
          ? (optionalObject(body, 'user_options') ?? {})
          : (body as JsonObject);
    const rec = await ctx.store.servers.get(user.id, serverName);
    if (rec?.status === 'spawning')
      return reply.code(202).header('Content-Type', 'text/plain').send('');
    const result = await ctx.spawns.start(user, serverName, userOptions);
    if (displayName !== null) {
      const r = await ctx.store.servers.get(user.id, serverName);
      if (r) await ctx.store.servers.update(r.id, { displayName });
    }
    return reply
      .code(result === 'ready' ? 201 : 202)
      .header('Content-Type', 'text/plain')
      .send('');
  };

  const stop = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const name = param(req, 'name');
    const user = await userOr404(ctx, name);
    const body = jsonBody(req);
    checkNamed(serverName, { existingOnly: true });
    if (body.remove && !serverName)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'Cannot remove the default server (remove applies to named servers only).',
      );
    const rec = await ctx.store.servers.get(user.id, serverName);
    if (!rec && serverName)
      throw new HubError(
        'LABHUB_ERR_NOT_FOUND',
        404,
        `${name} has no server named '${serverName}'`,
      );
    const result = await ctx.spawns.stop(user, serverName);
    if (body.remove && rec && result === 'stopped') await ctx.store.servers.delete(rec.id);
    if (result === 'pending') return reply.code(202).header('Content-Type', 'text/plain').send('');
    return reply.code(204).send();
  };

  const START = ['start:servers', 'servers'];
  const STOP = ['delete:servers', 'servers'];
  const READ = ['read:servers'];
  const routes: AnyRoute[] = [
    route({
      method: 'POST',
      url: `${base}/server`,
      scopes: START,
      resource: server,
      handler: (req, reply) => start(req, reply, ''),
    }),
    route({
      method: 'POST',
      url: `${base}/servers/:server`,
      scopes: START,
      resource: server,
      handler: (req, reply) => start(req, reply, param(req, 'server')),
    }),
    route({
      method: 'DELETE',
      url: `${base}/server`,
      scopes: STOP,
      resource: server,
      handler: (req, reply) => stop(req, reply, ''),
    }),
    route({
      method: 'DELETE',
      url: `${base}/servers/:server`,
      scopes: STOP,
      resource: server,
      handler: (req, reply) => stop(req, reply, param(req, 'server')),
    }),
  ];

  /** PUT (6.0): create a named server record without starting it. */
  const put = async (req: FastifyRequest, reply: FastifyReply) => {
    const name = param(req, 'name');
    const serverName = param(req, 'server');
    const user = await userOr404(ctx, name);
    if (!serverName)
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `The default server of ${name} always exists; PUT creates named servers only`,
      );
    checkNamed(serverName);
    const body = jsonBody(req);
    const unknown = Object.keys(body).filter((k) => k !== 'display_name' && k !== 'user_options');
    if (unknown.length)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Unknown server fields: ${unknown.join(', ')} (allowed: display_name, user_options)`,
      );
    if (await ctx.store.servers.get(user.id, serverName))
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `${name} already has a server named '${serverName}'`,
      );
    await checkLimit(user.id, name, serverName);
    const displayName = optionalString(body, 'display_name');
    const userOptions = optionalObject(body, 'user_options');
    const rec = await ctx.store.servers.ensure(user.id, serverName);
    await ctx.store.servers.update(rec.id, {
      displayName: displayName ?? null,
      ...(userOptions ? { userOptions } : {}),
    });
    return reply
      .code(201)
      .send(serverModel(ctx, user.name, (await ctx.store.servers.byId(rec.id))!));
  };
  routes.push(
    route({
      method: 'PUT',
      url: `${base}/servers/:server`,
      scopes: START,
      resource: server,
      handler: put,
    }),
  );

  /** PATCH (6.0): rename, display_name, user_options of a stopped named server. */
  const patch = async (req: FastifyRequest) => {
    const name = param(req, 'name');
    const serverName = param(req, 'server');
    const user = await userOr404(ctx, name);
    const rec = await serverOr404(ctx, user, serverName);
    const body = jsonBody(req);
    const keys = Object.keys(body);
    const unknown = keys.filter((k) => !['name', 'display_name', 'user_options'].includes(k));
    if (!keys.length || unknown.length)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        unknown.length
          ? `Unknown server fields: ${unknown.join(', ')} (allowed: name, display_name, user_options)`
          : 'Nothing to change: send name, display_name and/or user_options',
      );
    if (rec.status !== 'stopped')
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `${name}/${serverName} is ${rec.status === 'running' ? 'running' : 'pending ' + (rec.status === 'spawning' ? 'spawn' : 'stop')}; stop it before changing it`,
      );
    const patch: { name?: string; displayName?: string | null; userOptions?: JsonObject } = {};
    if ('name' in body) {
      if (typeof body.name !== 'string')
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'name must be a string');
      if (!serverName || !body.name)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          'The default server cannot be renamed, and no server can be renamed to the default',
        );
      checkNamed(body.name);
      if (body.name !== serverName) {
        if (await ctx.store.servers.get(user.id, body.name))
          throw new HubError(
            'LABHUB_ERR_CONFLICT',
            409,
            `${name} already has a server named '${body.name}'`,
          );
        patch.name = body.name;
      }
    }
    if ('display_name' in body) patch.displayName = optionalString(body, 'display_name');
    if ('user_options' in body) patch.userOptions = optionalObject(body, 'user_options') ?? {};
    await ctx.store.servers.update(rec.id, patch);
    return serverModel(ctx, user.name, (await ctx.store.servers.byId(rec.id))!);
  };
  routes.push(
    route({
      method: 'PATCH',
      url: `${base}/servers/:server`,
      scopes: START,
      resource: server,
      handler: patch,
    }),
  );

  const getOne = async (req: FastifyRequest, p: Principal, serverName: string) => {
    const name = param(req, 'name');
    const user = await userOr404(ctx, name);
    const rec = await serverOr404(ctx, user, serverName);
    const model = serverModel(ctx, user.name, rec);
    if (
      !p.scopes.has('admin:server_state') &&
      ![...p.scopes].some((s) => s.startsWith('admin:server_state!'))
    )
      delete model.state;
    return model;
  };
  routes.push(
    route({
      method: 'GET',
      url: `${base}/server`,
      scopes: READ,
      resource: server,
      handler: (req, _reply, { principal }) => getOne(req, principal, ''),
    }),
    route({
      method: 'GET',
      url: `${base}/servers/:server`,
      scopes: READ,
      resource: server,
      handler: (req, _reply, { principal }) => getOne(req, principal, param(req, 'server')),
    }),
  );

  const progress = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const name = param(req, 'name');
    const user = await userOr404(ctx, name);
    // The default server always exists in JupyterHub (never started = "not starting", 400).
    const rec = serverName
      ? await serverOr404(ctx, user, serverName)
      : await ctx.store.servers.get(user.id, '');
    const notStarting = () =>
      new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `${serverName ? `${name}/${serverName}` : name} is not starting...`,
      );
    if (!rec) throw notStarting();
    const prefix = ctx.spawns.prefix(user.name, serverName);
    if (rec.status === 'running') {
      return streamProgress(reply, [readyEvent(prefix)]);
    }
    const ch = ctx.spawns.progressOf(rec);
    if (!ch) throw notStarting();
    // Not pending any more: only the outcome of the last spawn (one failure event), as JupyterHub does.
    const last = ch.last();
    if (rec.status === 'stopped' && ch.isClosed && last) return streamProgress(reply, [last]);
    return streamProgress(reply, ch);
  };
  routes.push(
    route({
      method: 'GET',
      url: `${base}/server/progress`,
      scopes: READ,
      resource: server,
      handler: (req, reply) => progress(req, reply, ''),
    }),
    route({
      method: 'GET',
      url: `${base}/servers/:server/progress`,
      scopes: READ,
      resource: server,
      handler: (req, reply) => progress(req, reply, param(req, 'server')),
    }),
  );
  return routes;
}
