import {
  type Db,
  type DbTarget,
  type OpenDbOptions,
  migrateToLatest,
  openDb,
} from './connection.js';
import { GroupRepo } from './groups.js';
import { KvRepo } from './kv.js';
import { AuthzGenerationRepo } from './authz-generation.js';
import { NativeAccountRepo } from './native-accounts.js';
import { OAuthRepo } from './oauth.js';
import { PasswordChangeRepo } from './password-changes.js';
import { RoleRepo } from './roles.js';
import { ReplicaRepo } from './replicas.js';
import { LoginFailureRepo } from './login-failures.js';
import { ServerRepo } from './servers.js';
import { SessionRepo } from './sessions.js';
import { ApiServiceRepo } from './api-services.js';
import { ShareRepo } from './shares.js';
import { TokenRepo } from './tokens.js';
import { UserRepo } from './users.js';
import { UsageRepo } from './usage.js';
import { UsageReportRepo } from './usage-reports.js';
import { UsageDailyRepo } from './usage-daily.js';

export {
  parseDbUrl,
  backupSqlite,
  pendingMigrations,
  dbTightenedMessage,
  type DbTarget,
  type OpenDbOptions,
} from './connection.js';
export type { User, UserListQuery, UserSort, ListRestriction } from './users.js';
export type { ListedUser } from './user-list.js';
export type {
  ServerRecord,
  ListedServer,
  ActiveServer,
  ServerStatus,
  ServerPatch,
} from './servers.js';
export type { TokenRecord, NewToken } from './tokens.js';
export type { ReplicaRecord, LeaderLease } from './replicas.js';
export type { OAuthClient, OAuthCode } from './oauth.js';
export type { Group } from './groups.js';
export type { RoleRecord } from './roles.js';
export type { LoginSession } from './sessions.js';
export type { PasswordChangeTicket } from './password-changes.js';
export type { Share, ShareCode, SharedServer, ShareTarget, ShareListing } from './shares.js';
export { newToken } from './token-hash.js';
export type { UsageSession, NewUsageSample, HourlyBucket, SampleSums } from './usage.js';
export type {
  UsageGrouping,
  UsageTotals,
  UsageHour,
  SpawnStats,
  UsageSources,
} from './usage-reports.js';

/** Every repository over one connection. The rest of the hub uses only this. */
export class Store {
  readonly users: UserRepo;
  readonly servers: ServerRepo;
  readonly tokens: TokenRepo;
  readonly oauth: OAuthRepo;
  readonly groups: GroupRepo;
  readonly roles: RoleRepo;
  readonly sessions: SessionRepo;
  readonly nativeAccounts: NativeAccountRepo;
  readonly kv: KvRepo;
  readonly authz: AuthzGenerationRepo;
  readonly passwordChanges: PasswordChangeRepo;
  readonly shares: ShareRepo;
  readonly apiServices: ApiServiceRepo;
  readonly usage: UsageRepo;
  readonly usageReports: UsageReportRepo;
  readonly usageDaily: UsageDailyRepo;
  readonly replicas: ReplicaRepo;
  readonly loginFailures: LoginFailureRepo;

  constructor(readonly db: Db) {
    this.users = new UserRepo(db);
    this.servers = new ServerRepo(db);
    this.tokens = new TokenRepo(db);
    this.oauth = new OAuthRepo(db);
    this.groups = new GroupRepo(db);
    this.roles = new RoleRepo(db);
    this.sessions = new SessionRepo(db);
    this.nativeAccounts = new NativeAccountRepo(db);
    this.kv = new KvRepo(db);
    this.authz = new AuthzGenerationRepo(db);
    this.passwordChanges = new PasswordChangeRepo(db);
    this.shares = new ShareRepo(db);
    this.apiServices = new ApiServiceRepo(db);
    this.usage = new UsageRepo(db);
    this.usageReports = new UsageReportRepo(db);
    this.usageDaily = new UsageDailyRepo(db);
    this.replicas = new ReplicaRepo(db);
    this.loginFailures = new LoginFailureRepo(db);
  }

  /** Open, migrate, and wrap a database (see {@link OpenDbOptions} for files made private). */
  static async open(target: DbTarget, opts: OpenDbOptions = {}): Promise<Store> {
    const db = await openDb(target, opts);
    await migrateToLatest(db);
    return new Store(db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
