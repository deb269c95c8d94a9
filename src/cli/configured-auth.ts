import { createAuthenticator } from '../auth/define.js';
import { createPolicy } from '../auth/policy.js';
import { resolveAuthenticator } from '../auth/registry.js';
import type { Authenticator } from '../auth/types.js';
import type { Store } from '../db/index.js';
import type { Logger } from '../log.js';
import { Bootstrap } from '../core/bootstrap.js';

/**
 * The configured authenticator and a Bootstrap service that names users as it does (its
 * `normalizeUsername`, then `username_map`), for commands that add users outside the hub
 * (`labhub --admin`, `labhub token`).
 */
export async function configuredAuth(
  authId: string,
  authenticatorOptions: Record<string, unknown>,
  store: Store,
  log: Logger,
): Promise<{ authenticator: Authenticator; bootstrap: Bootstrap }> {
  const def = await resolveAuthenticator(authId);
  const authenticator = createAuthenticator(def, authenticatorOptions, {
    log: log.child({ component: 'authenticator' }),
    accounts: store.nativeAccounts,
  });
  const policy = createPolicy(authenticatorOptions, {
    normalizeUsername: authenticator.normalizeUsername?.bind(authenticator),
  });
  const bootstrap = new Bootstrap({
    users: store.users,
    groups: store.groups,
    tokens: store.tokens,
    normalize: policy.normalize,
  });
  return { authenticator, bootstrap };
}
