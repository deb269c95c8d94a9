import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { HubContext } from '../../core/context.js';
import { STATIC_DIR, resolveLogo } from './render/index.js';

/** Content types of the files in static/ (text ones with their charset). */
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** /hub/static/* (files of STATIC_DIR only, by @fastify/static) and /hub/logo. */
export function registerAssetRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  // Registered now, loaded when the app starts (fastify queues plugins); the app's hooks and
  // not-found handler apply inside. A path the library refuses (a dot segment, a directory, a
  // dotfile) is answered like any missing file: 404, never a hint about what is on disk.
  void app.register(async (scope) => {
    scope.setErrorHandler((err: { statusCode?: number }, _req, reply) => {
      if (err.statusCode !== undefined && err.statusCode < 500) return reply.callNotFound();
      throw err;
    });
    await scope.register(fastifyStatic, {
      root: STATIC_DIR,
      prefix: `${hub}static/`,
      decorateReply: false,
      index: false,
      list: false,
      dotfiles: 'ignore',
      cacheControl: false,
      contentType: false, // ours below, with the charset
      setHeaders: (res, path) => {
        res.setHeader('Content-Type', TYPES[extname(path)] ?? 'application/octet-stream');
        res.setHeader('Cache-Control', 'public, max-age=3600');
      },
    });
  });
  app.get(`${hub}logo`, async (_req, reply) => {
    const logo = await resolveLogo(ctx.settings.logoFile ?? undefined);
    return reply.header('Content-Type', logo.contentType).send(createReadStream(logo.path));
  });
}
