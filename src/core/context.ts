import type { Logger } from '../log.js';
import type { Store } from '../db/index.js';
import type { CookieSigner } from '../http/cookies.js';
import type { Proxy } from '../proxy/types.js';
import type { Permissions } from './permissions.js';
import type { Settings } from './settings.js';
import type { SpawnManager } from './spawn-manager.js';
import type { LoginService } from './login.js';
import type { UserService } from './users.js';
import type { TokenService } from './tokens.js';
import type { GroupService } from './groups.js';
import type { ShareService } from './shares.js';
import type { ShareCodeService } from './share-codes.js';
import type { ServiceRegistry } from './services.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';

/** Everything a request handler or background task may use. Built once by hub.ts. */
export interface HubContext {
  settings: Settings;
  store: Store;
  log: Logger;
  permissions: Permissions;
  signer: CookieSigner;
  login: LoginService;
  /** Adding users (API, admin page): name rules, add-user hook, Linux accounts. */
  users: UserService;
  /** Listing, issuing (expiry cap, scope rules) and revoking users' API tokens. */
  tokens: TokenService;
  /** Group names, creation, membership and properties. */
  groups: GroupService;
  /** Sharing servers: scope and target rules, grants and revocations. */
  shares: ShareService;
  /** Share codes: creation, revocation, acceptance. */
  shareCodes: ShareCodeService;
  spawns: SpawnManager;
  proxy: Proxy;
  services: ServiceRegistry;
  metrics: HubMetrics;
  /** Called by POST /hub/api/shutdown. */
  shutdown?: (opts: { proxy?: boolean; servers?: boolean }) => Promise<void>;
}
