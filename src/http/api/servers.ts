import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import { HubError } from '../../errors.js';
import type { Principal } from '../../core/rbac/permissions.js';
import { route, type AnyRoute } from './route.js';
import { jsonBody, param, serverOr404, userOr404 } from './params.js';
import { serverModel } from './models.js';
import { streamProgress } from './progress-stream.js';
import { readyEvent } from '../../core/spawn/progress.js';

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

const displayName = z.string().nullish();
const userOptions = z
  .record(z.string(), z.unknown(), { error: 'user_options must be a JSON object' })
  .nullish();
const allowed = (keys: string) => ({
  error: (i: { code: string; keys?: string[] }) =>
    i.code === 'unrecognized_keys'
      ? `Unknown server fields: ${i.keys?.join(', ')} (allowed: ${keys})`
      : undefined,
});
/** PUT: a new named server's display name and saved options. */
const CreateBody = z.strictObject(
  { display_name: displayName, user_options: userOptions },
  allowed('display_name, user_options'),
);
/** PATCH: new name, display name and/or saved options of a stopped named server. */
const ChangeBody = z
  .strictObject(
    { name: z.string().optional(), display_name: displayName, user_options: userOptions },
    allowed('name, display_name, user_options'),
  )
  .refine((b) => Object.keys(b).length > 0, {
    error: 'Nothing to change: send name, display_name and/or user_options',
  });
/** DELETE: `remove` (named servers) deletes the record after the stop. */
const StopBody = z.looseObject({ remove: z.unknown().optional() });

/** Start / stop / inspect / progress of default and named servers (§4.5). */
export function serverRoutes(ctx: HubContext): AnyRoute[] {
  const base = '/users/:name';
  /** The server a request names: `<user>/<server>` (the default server is `<user>/`). */
  const server = (req: FastifyRequest) => ({
    server: `${param(req, 'name')}/${param(req, 'server')}`,
  });
  const text = (reply: FastifyReply, code: number) =>
    reply.code(code).header('Content-Type', 'text/plain').send('');

  const start = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const user = await userOr404(ctx, param(req, 'name'));
    const body = jsonBody(req);
    const hasNewForm = 'user_options' in body || 'display_name' in body;
    // The new form: {user_options: {...}, display_name}; the old one: the options themselves.
    const result = await ctx.servers.start(user, serverName, {
      displayName: hasNewForm ? optionalString(body, 'display_name') : null,
      userOptions:
        req.body === undefined || req.body === null
          ? null
          : hasNewForm
            ? (optionalObject(body, 'user_options') ?? {})
            : (body as JsonObject),
    });
    return text(reply, result === 'ready' ? 201 : 202);
  };

  const stop = async (
    req: FastifyRequest,
    reply: FastifyReply,
    serverName: string,
    body: z.infer<typeof StopBody>,
  ) => {
    const user = await userOr404(ctx, param(req, 'name'));
    const result = await ctx.servers.stop(user, serverName, { remove: !!body.remove });
    return result === 'pending' ? text(reply, 202) : reply.code(204).send();
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
      body: StopBody,
      handler: (req, reply, { body }) => stop(req, reply, '', body),
    }),
    route({
      method: 'DELETE',
      url: `${base}/servers/:server`,
      scopes: STOP,
      resource: server,
      body: StopBody,
      handler: (req, reply, { body }) => stop(req, reply, param(req, 'server'), body),
    }),
    /** PUT (6.0): create a named server record without starting it. */
    route({
      method: 'PUT',
      url: `${base}/servers/:server`,
      scopes: START,
      resource: server,
      body: CreateBody,
      handler: async (req, reply, { body }) => {
        const user = await userOr404(ctx, param(req, 'name'));
        const rec = await ctx.servers.create(user, param(req, 'server'), {
          displayName: body.display_name ?? null,
          userOptions: (body.user_options as JsonObject | null | undefined) ?? null,
        });
        return reply.code(201).send(serverModel(ctx, user.name, rec));
      },
    }),
    /** PATCH (6.0): rename, display_name, user_options of a stopped named server. */
    route({
      method: 'PATCH',
      url: `${base}/servers/:server`,
      scopes: START,
      resource: server,
      body: ChangeBody,
      handler: async (req, _reply, { body }) => {
        const user = await userOr404(ctx, param(req, 'name'));
        const rec = await serverOr404(ctx, user, param(req, 'server'));
        const changed = await ctx.servers.change(user, rec, {
          name: body.name,
          displayName: 'display_name' in body ? (body.display_name ?? null) : undefined,
          userOptions:
            'user_options' in body ? ((body.user_options as JsonObject | null) ?? {}) : undefined,
        });
        return serverModel(ctx, user.name, changed);
      },
    }),
  ];

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
