/**
 * Step 2–3 of the spawn sequence (hub-protocol.md §1.4): a user server's own API token, with
 * the scopes the server may hold, and its OAuth client (the token is the client secret).
 */
import type { Logger } from '../../log.js';
import { HubError } from '../../errors.js';
import type { ServerRecord, Store, User } from '../../db/index.js';
import type { Permissions } from '../rbac/permissions.js';
import { serverTokenScopes } from '../rbac/roles.js';
import type { Settings } from '../settings.js';
import { clientIdFor } from '../../spawner/spawn-env.js';

export interface ServerCredentialsDeps {
  settings: Settings;
  store: Store;
  permissions: Permissions;
}

/**
 * Create the server's API token and register its OAuth client (redirect URI under `prefix`).
 * Throws HubError LABHUB_ERR_CONFLICT (409) when another running server already owns the same
 * OAuth client id (`jupyterhub-user-<name>[-<server>]` is ambiguous).
 */
export async function issueServerCredentials(
  d: ServerCredentialsDeps,
  user: User,
  rec: ServerRecord,
  prefix: string,
  log: Logger,
): Promise<{ token: string; accessScope: string }> {
  const s = d.settings;
  const groupsOf = await d.permissions.groupsOfUser(user);
  const tokenScopes = serverTokenScopes(
    {
      userName: user.name,
      serverName: rec.name,
      configured: s.spawner.serverTokenScopes,
      ownerRawScopes: await d.permissions.userRawScopes(user),
      rolesByName: d.permissions.roles(),
      customScopes: d.permissions.customScopes,
    },
    groupsOf,
  );
  for (const w of tokenScopes.warnings) log.warn(w);
  const { token } = await d.store.tokens.create({
    userId: user.id,
    scopes: tokenScopes.scopes,
    note: `Server at ${prefix}`,
  });
  const clientId = clientIdFor(user.name, rec.name);
  const accessScope = `access:servers!server=${user.name}/${rec.name}`;
  const allowed = [...new Set([...s.spawner.oauthClientAllowedScopes, accessScope])].sort();
  // `jupyterhub-user-<name>[-<server>]` is ambiguous: user 'a-b' and server 'b' of user 'a'
  // get the same id. Never let one server take over (or revoke) another's OAuth client.
  const registered = await d.store.oauth.upsertServerClient({
    id: clientId,
    secret: token,
    redirectUri: `${prefix}oauth_callback`,
    description: `Server at ${prefix}`,
    allowedScopes: allowed,
    serverId: rec.id,
  });
  if (!registered)
    throw new HubError(
      'LABHUB_ERR_CONFLICT',
      409,
      `The OAuth client id ${clientId} of this server is already used by another running server (a user name and a server name combine to the same id). Stop that server, or use another server name.`,
    );
  return { token, accessScope };
}
