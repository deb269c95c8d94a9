import type { ReplicaCoordinator } from './replicas.js';
import type { Logger } from '../log.js';
import type { Store } from '../db/index.js';
import type { CookieSigner } from '../security/cookie-signer.js';
import type { Proxy } from '../proxy/types.js';
import type { Permissions } from './rbac/permissions.js';
import type { Settings } from './settings.js';
import type { SpawnManager } from './spawn/spawn-manager.js';
import type { LoginService } from './login.js';
import type { ServiceRegistry } from './services.js';
import type { AppServices } from './app-services.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { UsageAccounting } from './usage/accounting.js';
import type { Clock } from './usage/clock.js';

/**
 * Everything a request handler or background task may use. Built once by hub.ts. The
 * application services (users, tokens, groups, shares, shareCodes) hold the rules; handlers
 * parse, authorize, call them and shape the wire model.
 */
export interface HubContext extends AppServices {
  settings: Settings;
  store: Store;
  log: Logger;
  permissions: Permissions;
  signer: CookieSigner;
  login: LoginService;
  spawns: SpawnManager;
  proxy: Proxy;
  services: ServiceRegistry;
  metrics: HubMetrics;
  /** Usage accounting (sessions, samples, roll-up). */
  usage: UsageAccounting;
  /** The clock of the usage accounting and its reports. */
  clock: Clock;
  /** This hub replica (docs/high-availability.md); absent in tests that build a context by hand. */
  replica?: ReplicaCoordinator;
  /** Called by POST /hub/api/shutdown. */
  shutdown?: (opts: { proxy?: boolean; servers?: boolean }) => Promise<void>;
}
