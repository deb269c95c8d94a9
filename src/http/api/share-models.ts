import type { HubContext } from '../../core/context.js';
import type { JsonObject } from '../../util/json.js';
import type { Share, ShareCode, SharedServer } from '../../db/index.js';
import { ts } from './models.js';

/** The `server` part of Share and ShareCode models. */
export function sharedServerModel(ctx: HubContext, s: SharedServer): JsonObject {
  const url = ctx.spawns.prefix(s.ownerName, s.name);
  return {
    user: { name: s.ownerName },
    name: s.name,
    url,
    full_url: ctx.settings.publicUrl ? new URL(url, ctx.settings.publicUrl).toString() : null,
    ready: s.status === 'running',
  };
}

/** Share model (§4.3, JupyterHub 5.0). */
export function shareModel(ctx: HubContext, s: Share): JsonObject {
  return {
    server: sharedServerModel(ctx, s.server),
    scopes: [...s.scopes].sort(),
    user: s.user ? { name: s.user.name } : null,
    group: s.group ? { name: s.group.name } : null,
    kind: s.user ? 'user' : 'group',
    created_at: ts(s.createdAt),
  };
}

/** ShareCode model (never the code itself, which only the creation response carries). */
export function shareCodeModel(ctx: HubContext, c: ShareCode): JsonObject {
  return {
    server: sharedServerModel(ctx, c.server),
    scopes: [...c.scopes].sort(),
    id: `sc_${c.id}`,
    created_at: ts(c.createdAt),
    expires_at: ts(c.expiresAt),
    exchange_count: c.exchangeCount,
    last_exchanged_at: ts(c.lastExchangedAt),
  };
}

/** `accept_url` / `full_accept_url` of a new code. */
export function acceptUrls(
  ctx: HubContext,
  code: string,
): { accept_url: string; full_accept_url: string | null } {
  const accept = `${ctx.settings.hubPrefix}accept-share?code=${encodeURIComponent(code)}`;
  return {
    accept_url: accept,
    full_accept_url: ctx.settings.publicUrl
      ? new URL(accept, ctx.settings.publicUrl).toString()
      : null,
  };
}
