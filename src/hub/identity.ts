/**
 * The hub's login side: the authenticator plugin, auth_state encryption, the allow/admin policy,
 * the seeded users, groups and service tokens, and the login service with its rate limiter.
 */
import type { Logger } from '../log.js';
import type { Store } from '../db/index.js';
import type { Settings } from '../core/settings.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import { LoginService } from '../core/login.js';
import { Bootstrap } from '../core/bootstrap.js';
import { createAuthenticator } from '../auth/define.js';
import type { resolveAuthenticator } from '../auth/registry.js';
import { authStateKeeper } from '../security/crypt-keeper.js';
import { createPolicy } from '../auth/policy.js';
import { createLoginRateLimiter } from '../auth/rate-limit.js';
import { createSharedLoginRateLimiter } from '../core/shared-login-limit.js';

export async function setUpLogin(
  authDef: Awaited<ReturnType<typeof resolveAuthenticator>>,
  settings: Settings,
  store: Store,
  log: Logger,
  metrics: HubMetrics,
  o: { sharedLimits: boolean; now?: () => number },
): Promise<LoginService> {
  const authenticator = createAuthenticator(authDef, settings.authenticatorOptions, {
    log: log.child({ component: 'authenticator' }),
    accounts: store.nativeAccounts,
  });
  const keeper = authStateKeeper(!!authenticator.enableAuthState, process.env.JUPYTERHUB_CRYPT_KEY);
  if (keeper) store.users.useAuthStateCodec(keeper);
  const policy = createPolicy(settings.authenticatorOptions, {
    allowAllByDefault: authenticator.allowAllByDefault === true,
    normalizeUsername: authenticator.normalizeUsername?.bind(authenticator),
    log,
  });
  // Seeds (admin_users, load_groups, services' tokens) under the authenticator's normalisation.
  const bootstrap = new Bootstrap({
    users: store.users,
    groups: store.groups,
    tokens: store.tokens,
    normalize: policy.normalize,
  });
  await bootstrap.seedUsersAndGroups({
    adminUsers: settings.adminUsers,
    loadGroups: settings.loadGroups,
  });
  await bootstrap.seedServiceTokens(settings.services);
  // What the identity source says about the config (e.g. PAM: admins and groups named in the
  // config that do not exist on this machine; they are still recorded). In the background.
  void authenticator.startupNotices?.().then((ns) => {
    for (const n of ns) log[n.level](n.message);
  });
  const rl = settings.loginRateLimit;
  const loginLimits = {
    perUser: { max: rl.perUser, windowSeconds: rl.windowSeconds },
    perAddress: { max: rl.perIp, windowSeconds: rl.windowSeconds },
  };
  const limiter = o.sharedLimits
    ? createSharedLoginRateLimiter(store, loginLimits)
    : createLoginRateLimiter(loginLimits);
  return new LoginService({
    authenticator,
    authenticatorId: authDef.id,
    policy,
    limiter,
    store,
    log,
    metrics,
    groupsOf: authenticator.groupsOf?.bind(authenticator),
    authRefreshAge: Number(settings.authenticatorOptions.auth_refresh_age ?? 300),
    now: o.now,
  });
}
