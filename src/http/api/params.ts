import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import type { ServerRecord, User } from '../../db/index.js';
import { HubError } from '../../errors.js';

/** A path parameter (fastify has already percent-decoded it). */
export function param(req: FastifyRequest, name: string): string {
  return (req.params as Record<string, string>)[name] ?? '';
}

export async function userOr404(ctx: HubContext, name: string): Promise<User> {
  return ctx.users.get(name);
}

export async function serverOr404(
  ctx: HubContext,
  user: User,
  serverName: string,
): Promise<ServerRecord> {
  const s = await ctx.store.servers.get(user.id, serverName);
  if (!s)
    throw new HubError(
      'LABHUB_ERR_NOT_FOUND',
      404,
      `${user.name} has no server named '${serverName.slice(0, 64)}'`,
    );
  return s;
}

/** A JSON object body, or {} when absent; anything else is a 400. */
export function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b === 'string')
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      415,
      `Request body must be a JSON object sent as Content-Type: application/json; got Content-Type '${String(req.headers['content-type'] ?? '').slice(0, 60)}'`,
    );
  if (typeof b !== 'object' || Array.isArray(b))
    throw new HubError('LABHUB_ERR_BAD_REQUEST', 400, 'Request body must be a JSON object');
  return b as Record<string, unknown>;
}
