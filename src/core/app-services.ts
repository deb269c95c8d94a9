/**
 * The application services every entry point calls (REST API, pages, CLI), built from their
 * explicit dependencies: the store's repositories, permissions, settings, log, login, spawns.
 */
import type { Logger } from '../log.js';
import type { Store } from '../db/index.js';
import type { LoginService } from './login.js';
import type { Permissions } from './rbac/permissions.js';
import { ActivityService } from './activity.js';
import { ApiServiceManager, type ApiServiceDeps } from './api-services.js';
import { GroupService } from './groups.js';
import { ServerService, type ServerServiceDeps } from './servers.js';
import { ShareCodeService } from './share-codes.js';
import { ShareService } from './shares.js';
import { TokenService } from './tokens.js';
import { UserService, type UserServiceDeps } from './users.js';

export interface AppServices {
  /** Users: name rules, creation with the add-user hook (and Linux accounts), update, delete. */
  users: UserService;
  /** Listing, issuing (expiry cap, scope rules) and revoking users' API tokens. */
  tokens: TokenService;
  /** Group names, creation, membership and properties. */
  groups: GroupService;
  /** Sharing servers: scope and target rules, grants and revocations. */
  shares: ShareService;
  /** Share codes: creation, revocation, acceptance. */
  shareCodes: ShareCodeService;
  /** Named-server rules, start/stop with options, create, rename and change, remove. */
  servers: ServerService;
  /** Services created and removed through the REST API. */
  apiServices: ApiServiceManager;
  /** Activity reported by user servers. */
  activity: ActivityService;
}

export function createAppServices(d: {
  store: Store;
  permissions: Permissions;
  settings: { readonly tokenExpiresInMaxSeconds: number } & ServerServiceDeps['settings'] &
    ApiServiceDeps['settings'];
  log: Logger;
  login: LoginService;
  spawns: UserServiceDeps['spawns'] & ServerServiceDeps['spawns'];
  services: ApiServiceDeps['services'];
  proxy: ApiServiceDeps['proxy'];
}): AppServices {
  const { store, permissions } = d;
  const shares = new ShareService({
    users: store.users,
    groups: store.groups,
    servers: store.servers,
    shares: store.shares,
    permissions,
  });
  return {
    users: new UserService({ store, login: d.login, log: d.log, spawns: d.spawns }),
    tokens: new TokenService({ tokens: store.tokens, permissions, settings: d.settings }),
    groups: new GroupService({
      groups: store.groups,
      users: store.users,
      roles: store.roles,
    }),
    shares,
    shareCodes: new ShareCodeService({ shares: store.shares, shareRules: shares }),
    servers: new ServerService({ servers: store.servers, spawns: d.spawns, settings: d.settings }),
    apiServices: new ApiServiceManager({
      services: d.services,
      store,
      proxy: d.proxy,
      permissions,
      settings: d.settings,
      log: d.log,
    }),
    activity: new ActivityService({ store }),
  };
}
