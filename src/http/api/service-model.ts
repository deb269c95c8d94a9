import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import type { ServiceInfo } from '../../core/services.js';

/** The Service model (§4.3) before vertical filtering. */
export async function serviceModel(ctx: HubContext, s: ServiceInfo): Promise<JsonObject> {
  return {
    kind: 'service',
    name: s.name,
    admin: s.admin,
    roles: await ctx.permissions.serviceRoleNames(s.name),
    url: s.url ?? '',
    prefix: s.url ? ctx.services.prefix(s.name, ctx.settings.baseUrl) : '',
    command: s.command ?? '',
    pid: s.pid,
    info: s.info as JsonObject,
    display: s.display,
  };
}
