import type { HubContext } from '../../core/context.js';
import type { User } from '../../db/index.js';

/**
 * Where a logged-in user goes from /hub/ or after login without `next` (§7.1): JupyterHub.default_url
 * if set; else with redirect_to_server the running server, or the spawn page; else home.
 */
export async function landingUrl(ctx: HubContext, user: User): Promise<string> {
  const s = ctx.settings;
  if (s.defaultUrl) return s.defaultUrl;
  if (!s.redirectToServer) return `${s.hubPrefix}home`;
  const rec = await ctx.store.servers.get(user.id, '');
  if (rec?.status === 'running') return ctx.spawns.prefix(user.name, '');
  return `${s.hubPrefix}spawn`;
}
