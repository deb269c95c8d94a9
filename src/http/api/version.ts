import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { requireApi } from '../guard.js';

/** `GET /hub/api[/]`, health, info, OPTIONS. */
export function registerVersionRoutes(app: FastifyInstance, ctx: HubContext): void {
  const api = `${ctx.settings.hubPrefix}api`;
  const version = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    return { version: ctx.settings.jupyterhubVersion };
  };
  app.get(api, version);
  app.get(`${api}/`, version);
  const health = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.code(200).header('Content-Type', 'text/plain').send('');
  // fastify answers HEAD for every GET route.
  for (const p of [`${api}/health`, `${ctx.settings.hubPrefix}health`]) app.get(p, health);
  app.options(`${api}/*`, async (_req, reply) => reply.code(200).send(''));
  app.get(`${api}/info`, async (req) => {
    await requireApi(ctx, req, ['read:hub']);
    return {
      version: ctx.settings.jupyterhubVersion,
      labhub_version: ctx.settings.labhubVersion,
      python: 'n/a (labhub is written in TypeScript)',
      sys_executable: process.execPath,
      spawner: { class: ctx.settings.spawnerClass, version: ctx.settings.labhubVersion },
      authenticator: { class: ctx.login.authenticatorId, version: ctx.settings.labhubVersion },
    };
  });
}
