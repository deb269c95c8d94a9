import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../../core/context.js';
import { HubError, isHubError } from '../../errors.js';
import { sharedEnvOf } from '../../core/shared-env.js';
import { pageContext, sendPage } from '../page-context.js';
import { checkXsrf } from '../xsrf.js';
import { renderEnvPage, type EnvPageData } from './render/env-page.js';
import { translator } from './render/layout.js';
import { pageUser } from './page-auth.js';

/**
 * `/hub/admin/environment`: the shared environment (Labhub.shared_env_dir) for admins with the
 * admin:servers scope: what is installed, a form to add packages, a button to remove one. A
 * change runs pip while the request waits (the page answers when it is done).
 */
export function registerEnvironmentRoutes(app: FastifyInstance, ctx: HubContext): void {
  const hub = ctx.settings.hubPrefix;
  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await pageUser(ctx, req, reply);
    if (!p) return reply;
    if (!p.user?.admin || !p.scopes.has('admin:servers'))
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        'Only admins (with the admin:servers scope) may manage the shared environment.',
      );
    const pc = pageContext(ctx, req, reply, p);
    const tr = translator(pc);
    if (!ctx.settings.sharedEnvDir)
      return sendPage(reply, renderEnvPage(pc, { enabled: false, packages: [], dependencies: [] }));
    const env = sharedEnvOf(ctx.settings);
    const extra: Partial<EnvPageData> = {};
    let status = 200;
    if (req.method === 'POST') {
      checkXsrf(ctx, req);
      const f = (req.body ?? {}) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2000) : '');
      const action = str(f.action);
      try {
        if (action === 'install') {
          extra.asked = str(f.packages);
          const specs = extra.asked.split(/[\s,]+/).filter(Boolean);
          await env.install(specs);
          ctx.log.info(`Shared environment: ${p.user.name} installed ${specs.join(' ')}`);
          extra.done = tr('env.installed', { list: specs.join(' ') });
          extra.asked = '';
        } else if (action === 'remove') {
          const name = str(f.package);
          await env.remove([name]);
          ctx.log.info(`Shared environment: ${p.user.name} removed ${name}`);
          extra.done = tr('env.removed', { name });
        } else
          throw new HubError(
            'LABHUB_ERR_BAD_REQUEST',
            400,
            `Unknown action ${JSON.stringify(action.slice(0, 32))}: expected install or remove.`,
          );
      } catch (e) {
        if (!isHubError(e) || e.status >= 500) throw e;
        extra.error = e.userMessage;
        status = e.status;
      }
    }
    const l = env.list();
    return sendPage(
      reply,
      renderEnvPage(pc, {
        enabled: true,
        packages: l.packages,
        dependencies: l.dependencies,
        ...extra,
      }),
      status,
    );
  };
  app.get(`${hub}admin/environment`, page);
  app.post(`${hub}admin/environment`, page);
}
