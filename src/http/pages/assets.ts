import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { STATIC_DIR, resolveLogo } from './render/index.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** /hub/static/* (no directory escape) and /hub/logo. */
export function registerAssetRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  app.get(`${hub}static/*`, async (req, reply) => {
    const rel = normalize((req.params as Record<string, string>)['*'] ?? '');
    const file = join(STATIC_DIR, rel);
    if (
      !file.startsWith(STATIC_DIR.endsWith(sep) ? STATIC_DIR : STATIC_DIR + sep) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      return reply.code(404).header('Content-Type', 'text/plain').send('Not found');
    }
    return reply
      .header('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream')
      .header('Cache-Control', 'public, max-age=3600')
      .send(createReadStream(file));
  });
  app.get(`${hub}logo`, async (_req, reply) => {
    const logo = await resolveLogo(ctx.settings.logoFile ?? undefined);
    return reply.header('Content-Type', logo.contentType).send(createReadStream(logo.path));
  });
}
