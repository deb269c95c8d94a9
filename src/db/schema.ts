/**
 * Table types for kysely. Portable across SQLite and PostgreSQL:
 * timestamps are fixed-width ISO-8601 UTC strings (sortable as text), booleans are 0/1
 * integers, JSON is text. Repositories convert to domain types; nothing else imports kysely.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  name: string;
  admin: number;
  created: string;
  last_activity: string | null;
  /** Random id rotated on logout-everywhere; part of the XSRF token. */
  cookie_id: string;
  auth_state: string | null;
  /** Admin-set groups from the identity source (JSON list) or null. */
  user_info: string | null;
}

export interface ServersTable {
  id: Generated<number>;
  user_id: number;
  /** '' = default server. */
  name: string;
  display_name: string | null;
  /** stopped | spawning | running | stopping. Only non-stopped rows are "active". */
  status: string;
  /** Proxy target origin, e.g. http://127.0.0.1:45123 (null until started). */
  target: string | null;
  /** Spawner state as JSON (pid, port...). */
  state: string;
  user_options: string;
  started: string | null;
  last_activity: string | null;
  /** Reason of the last failed spawn, shown on the pages. */
  last_error: string | null;
  /** X-JupyterHub-Version the single-user server reported. */
  server_version: string | null;
  /** The hub replica driving this server (migration 007); null: none yet (adopted by the leader). */
  owner_replica: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  /** First 4 characters of the token, for lookup. */
  prefix: string;
  /** `sha256:<hex>` (generated) or `pbkdf2:<iter>:<salt>:<hex>` (user supplied). */
  hashed: string;
  user_id: number | null;
  service_name: string | null;
  /** OAuth client that issued it ('jupyterhub' for plain API tokens). */
  client_id: string;
  /** Raw scopes (JSON list). */
  scopes: string;
  note: string;
  created: string;
  last_activity: string | null;
  expires_at: string | null;
  session_id: string | null;
}

export interface OAuthClientsTable {
  id: string;
  secret_hash: string;
  redirect_uri: string;
  description: string;
  allowed_scopes: string;
  /** For per-server clients: the server row; null for services. */
  server_id: number | null;
  created: string;
}

export interface OAuthCodesTable {
  id: Generated<number>;
  code_hash: string;
  client_id: string;
  user_id: number;
  scopes: string;
  redirect_uri: string;
  session_id: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  properties: string;
}

export interface UserGroupMapTable {
  user_id: number;
  group_id: number;
}

export interface RolesTable {
  id: Generated<number>;
  name: string;
  description: string;
  scopes: string;
}

export interface RoleMapTable {
  role_id: number;
  /** 'user' | 'group' | 'service' */
  kind: string;
  /** user id / group id, or service name for services. */
  entity: string;
}

export interface LoginSessionsTable {
  /** Random session id (also the jupyterhub-session-id cookie value). */
  id: string;
  user_id: number;
  created: string;
  expires_at: string;
}

export interface NativeAccountsTable {
  name: string;
  password_hash: string;
  approved: number;
  created: string;
  failed_logins: number;
  locked_until: string | null;
  /** Added by migration 004 (NativeAuthenticator.ask_email_on_signup). */
  email: string | null;
  /** 1: the password is a one-time password that must be changed at the next login. */
  must_change_password: Generated<number>;
}

/** A login whose password must be changed: the proof that the old password was right. */
export interface PasswordChangeTicketsTable {
  /** sha256 (hex) of the random ticket the browser holds in a cookie. */
  id_hash: string;
  user_name: string;
  /** scrypt hash of the old password (the new one must differ). */
  old_password_hash: string;
  expires_at: string;
}

/** One row (id 1): moved by triggers whenever something scopes depend on changes. */
export interface AuthzGenerationTable {
  id: number;
  n: number | string | bigint;
}

export interface HubKvTable {
  key: string;
  value: string;
}

/** Scopes on one server granted to a user or a group (migration 002). */
export interface SharesTable {
  id: Generated<number>;
  server_id: number;
  user_id: number | null;
  group_id: number | null;
  scopes: string;
  created_at: string;
}

/** A code exchangeable for a share of one server (migration 002); only its hash is kept. */
export interface ShareCodesTable {
  id: Generated<number>;
  server_id: number;
  prefix: string;
  hashed: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  exchange_count: number;
  last_exchanged_at: string | null;
}

/** Services created at runtime through the REST API: name → JSON spec (migration 002). */
export interface ApiServicesTable {
  name: string;
  spec: string;
  created: string;
}

/** One server session, spawn request to stop (migration 006). */
export interface UsageSessionsTable {
  id: Generated<number>;
  server_id: number;
  user_id: number;
  user_name: string;
  server_name: string;
  /** The spawner plugin id. */
  spawner: string;
  /** user_options.profile (or .image), '' when none. */
  profile: string;
  requested_at: string;
  /** When the server answered (null: the spawn failed or is still going). */
  started_at: string | null;
  /** Seconds from the request to the server answering (null until then). */
  spawn_seconds: number | null;
  /** null while the session is open. */
  stopped_at: string | null;
  /** stopped | culled | exited | lost | failed (null while open). */
  stop_reason: string | null;
  /** The failure category or the message that goes with stop_reason. */
  detail: string | null;
}

/** A raw resource sample of one running server (migration 006; pruned after the raw retention). */
export interface UsageSamplesTable {
  session_id: number;
  at: string;
  /** CPU seconds the server's process tree had used so far. */
  cpu_total: number;
  /** CPU seconds since the previous sample of the session (never negative). */
  cpu_delta: number;
  mem_bytes: number;
  /** 1: the server reported activity since the previous sample. */
  active: number;
  /** Seconds this sample stands for (since the previous sample, at most one interval). */
  seconds: number;
}

/** Hourly roll-up of one session (migration 006). */
export interface UsageHourlyTable {
  /** Start of the hour, ISO UTC. */
  hour: string;
  session_id: number;
  user_id: number;
  profile: string;
  server_seconds: number;
  active_seconds: number;
  cpu_seconds: number;
  mem_peak: number;
  /** Sum of the memory samples of the hour (average = mem_sum / samples). */
  mem_sum: number;
  samples: number;
}

/** Totals of one hour over all servers (migration 006): the dashboard's series. */
export interface UsageHoursTable {
  hour: string;
  server_seconds: number;
  /** Users with a server running during the hour. */
  users: number;
  /** Users whose server reported activity during the hour. */
  active_users: number;
}

/** Daily roll-up per user and profile (migration 012), summed from the hourly buckets. */
export interface UsageDailyTable {
  /** Start of the UTC day, ISO. */
  day: string;
  user_id: number;
  profile: string;
  server_seconds: number;
  active_seconds: number;
  cpu_seconds: number;
  mem_peak: number;
  mem_sum: number;
  samples: number;
}

export interface Database {
  users: UsersTable;
  servers: ServersTable;
  api_tokens: ApiTokensTable;
  oauth_clients: OAuthClientsTable;
  oauth_codes: OAuthCodesTable;
  groups: GroupsTable;
  user_group_map: UserGroupMapTable;
  roles: RolesTable;
  role_map: RoleMapTable;
  login_sessions: LoginSessionsTable;
  native_accounts: NativeAccountsTable;
  hub_kv: HubKvTable;
  authz_generation: AuthzGenerationTable;
  password_change_tickets: PasswordChangeTicketsTable;
  shares: SharesTable;
  share_codes: ShareCodesTable;
  api_services: ApiServicesTable;
  usage_sessions: UsageSessionsTable;
  usage_samples: UsageSamplesTable;
  usage_hourly: UsageHourlyTable;
  usage_hours: UsageHoursTable;
  usage_daily: UsageDailyTable;
  hub_replicas: HubReplicasTable;
  hub_leader: HubLeaderTable;
  login_failures: LoginFailuresTable;
}

/** One failed login per key ('u:<name>' or 'a:<address>'), migration 013; ms on the database's clock. */
export interface LoginFailuresTable {
  key: string;
  at_ms: number | string;
}

/** A running hub process (migration 007); times in ms on the database's clock. */
export interface HubReplicasTable {
  id: string;
  host: string;
  pid: number;
  hub_url: string;
  version: string;
  started_ms: number | string;
  heartbeat_ms: number | string;
}

/** The leader lease: one row (id 1); replica_id '' = nobody. */
export interface HubLeaderTable {
  id: number;
  replica_id: string;
  expires_ms: number | string;
}
