import { Store, parseDbUrl } from '../db/index.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { Permissions } from '../core/rbac/permissions.js';
import { TokenService } from '../core/tokens.js';
import { isKnownScope, scopeError } from '../core/rbac/scopes.js';
import { HubError } from '../errors.js';
import { configuredAuth } from './configured-auth.js';
import { silentLogger } from '../log.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';

/**
 * `labhub token USER`: print a new API token for USER (created when missing), issued by the same
 * TokenService as POST /hub/api/users/{name}/tokens: the name normalised as the configured
 * authenticator does, the expiry capped by JupyterHub.token_expires_in_max_seconds, and the
 * scopes within the user's own.
 */
export async function runToken(
  user: string,
  opts: StartFlags & { note?: string; scopes?: string },
): Promise<void> {
  const loaded = loadWithFlags(opts);
  const authId = chooseAuthenticator(loaded.config).id;
  const settings = settingsFromConfig(loaded.config, authId);
  const scopes = opts.scopes
    ? opts.scopes
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : ['inherit'];
  for (const s of scopes)
    if (s !== 'inherit' && !isKnownScope(s, settings.customScopes))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        400,
        scopeError(s, settings.customScopes) ?? `Unknown scope ${s}`,
      );
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  try {
    // load_roles warnings are the hub's to log at start; stdout is the token only.
    const permissions = new Permissions(store, silentLogger(), {
      loadRoles: settings.loadRoles,
      extraUserScopes: settings.extraUserScopes,
      customScopes: settings.customScopes,
    });
    await permissions.init(); // the roles the hub syncs at start, so scope checks see them
    const tokens = new TokenService({ tokens: store.tokens, permissions, settings });
    const { bootstrap } = await configuredAuth(
      authId,
      settings.authenticatorOptions,
      store,
      silentLogger(),
    );
    const owner = await bootstrap.user(user, 'labhub token');
    const { token } = await tokens.issue(owner, { note: opts.note ?? '', expiresIn: null, scopes });
    process.stdout.write(`${token}\n`);
  } finally {
    await store.close();
  }
}
