import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../core/json.js';
import { HubError } from '../../errors.js';
import { requireApi } from '../guard.js';
import { jsonBody, param, serverOr404, userOr404 } from './params.js';
import { serverModel } from './models.js';
import { streamProgress } from './progress-stream.js';

/** Named server names: JupyterHub 6's slug rule, relaxed to also allow '_' and '.'. */
const SERVER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Start / stop / inspect / progress of default and named servers (§4.5). */
export function registerServerRoutes(app: FastifyInstance, ctx: HubContext): void {
  const base = `${ctx.settings.hubPrefix}api/users/:name`;

  const checkNamed = (serverName: string) => {
    if (!serverName) return;
    if (!ctx.settings.allowNamedServers) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'Named servers are not enabled (set JupyterHub.allow_named_servers = True).');
    if (!SERVER_NAME_RE.test(serverName)) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `Invalid server name '${serverName.slice(0, 64)}': use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 63 characters.`);
  };

  const start = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['start:servers', 'servers'], { server: `${name}/${serverName}` });
    const user = await userOr404(ctx, name);
    checkNamed(serverName);
    if (serverName && ctx.settings.namedServerLimitPerUser > 0) {
      const existing = await ctx.store.servers.forUser(user.id);
      const named = existing.filter((s) => s.name !== '');
      if (!named.some((s) => s.name === serverName) && named.length >= ctx.settings.namedServerLimitPerUser) {
        throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `User ${name} already has the maximum of ${ctx.settings.namedServerLimitPerUser} named servers. Delete one first.`);
      }
    }
    const body = jsonBody(req);
    const hasNewForm = 'user_options' in body || 'display_name' in body;
    const userOptions = req.body === undefined || req.body === null ? null : ((hasNewForm ? body.user_options ?? {} : body) as JsonObject);
    const rec = await ctx.store.servers.get(user.id, serverName);
    if (rec?.status === 'spawning') return reply.code(202).header('Content-Type', 'text/plain').send('');
    const result = await ctx.spawns.start(user, serverName, userOptions);
    if (hasNewForm && typeof body.display_name === 'string') {
      const r = await ctx.store.servers.get(user.id, serverName);
      if (r) await ctx.store.servers.update(r.id, { displayName: body.display_name });
    }
    return reply.code(result === 'ready' ? 201 : 202).header('Content-Type', 'text/plain').send('');
  };

  const stop = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['delete:servers', 'servers'], { server: `${name}/${serverName}` });
    const user = await userOr404(ctx, name);
    const body = jsonBody(req);
    if (serverName) checkNamed(serverName);
    if (body.remove && !serverName) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'Cannot remove the default server (remove applies to named servers only).');
    const rec = await ctx.store.servers.get(user.id, serverName);
    if (!rec && serverName) throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `${name} has no server named '${serverName}'`);
    const result = await ctx.spawns.stop(user, serverName);
    if (body.remove && rec && result === 'stopped') await ctx.store.servers.delete(rec.id);
    if (result === 'pending') return reply.code(202).header('Content-Type', 'text/plain').send('');
    return reply.code(204).send();
  };

  app.post(`${base}/server`, (req, reply) => start(req, reply, ''));
  app.post(`${base}/servers/:server`, (req, reply) => start(req, reply, param(req, 'server')));
  app.delete(`${base}/server`, (req, reply) => stop(req, reply, ''));
  app.delete(`${base}/servers/:server`, (req, reply) => stop(req, reply, param(req, 'server')));

  const getOne = async (req: FastifyRequest, serverName: string) => {
    const name = param(req, 'name');
    const p = await requireApi(ctx, req, ['read:servers'], { server: `${name}/${serverName}` });
    const user = await userOr404(ctx, name);
    const rec = await serverOr404(ctx, user, serverName);
    const model = serverModel(ctx, user.name, rec);
    if (!p.scopes.has('admin:server_state') && ![...p.scopes].some((s) => s.startsWith('admin:server_state!'))) delete model.state;
    return model;
  };
  app.get(`${base}/server`, (req) => getOne(req, ''));
  app.get(`${base}/servers/:server`, (req) => getOne(req, param(req, 'server')));

  const progress = async (req: FastifyRequest, reply: FastifyReply, serverName: string) => {
    const name = param(req, 'name');
    await requireApi(ctx, req, ['read:servers'], { server: `${name}/${serverName}` });
    const user = await userOr404(ctx, name);
    const rec = await serverOr404(ctx, user, serverName);
    const prefix = ctx.spawns.prefix(user.name, serverName);
    if (rec.status === 'running') {
      return streamProgress(reply, [{ progress: 100, ready: true, message: `Server ready at ${prefix}`, html_message: `Server ready at <a href="${prefix}">${prefix}</a>`, url: prefix }]);
    }
    const ch = ctx.spawns.progressOf(rec);
    if (!ch) throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, `${serverName ? `${name}/${serverName}` : name} is not starting...`);
    return streamProgress(reply, ch);
  };
  app.get(`${base}/server/progress`, (req, reply) => progress(req, reply, ''));
  app.get(`${base}/servers/:server/progress`, (req, reply) => progress(req, reply, param(req, 'server')));
}
