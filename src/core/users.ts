/**
 * Adding users to the hub, for the REST API, the admin page and the CLI: the name rules, the
 * authenticator's add-user hook (undone when it fails), and, under PAM as root, Linux accounts
 * with a one-time password that must be changed at the first login and a private home.
 */
import type { Logger } from '../log.js';
import type {
  ListedServer,
  ListedUser,
  ListRestriction,
  Store,
  User,
  UserListQuery,
} from '../db/index.js';
import { HubError, isHubError } from '../errors.js';
import type { PamAuthenticator } from '../auth/pam.js';
import { LINUX_USERNAME_RE, type SystemUserManager } from '../auth/system-users.js';
import { ensureLinuxAccountWithOneTimePassword } from '../auth/linux-passwords.js';
import type { LoginService } from './login.js';

export { ensureLinuxAccountWithOneTimePassword };

/** What {@link UserService.createMany} did. */
export interface CreatedUsers {
  users: User[];
  /** Linux accounts made for the new users, with their one-time passwords (show them once). */
  oneTimePasswords: Map<string, string>;
  /** New hub users whose Linux account already existed (their passwords are unchanged). */
  existingLinuxAccounts: string[];
  /** With Linux accounts: names not added because a step failed (the others were added). */
  failed: Array<{ name: string; message: string }>;
}

export interface UserServiceDeps {
  store: Pick<Store, 'users' | 'servers' | 'groups'>;
  login: LoginService;
  log: Logger;
  /** Stops a user's server before the user is deleted. */
  spawns?: { stop(user: User, serverName: string): Promise<unknown> };
}

/** What PATCH /users/{name} may change (types already checked by the caller). */
export interface UserChanges {
  admin?: boolean;
  name?: string;
  authState?: Record<string, unknown> | null;
}

/** One page of users with what their models need, fetched in one query each. */
export interface UserPage {
  users: ListedUser[];
  total: number;
  servers: Map<number, ListedServer[]>;
  groups: Map<number, string[]>;
  roles: Map<number, string[]>;
}

export class UserService {
  constructor(private readonly d: UserServiceDeps) {}

  /**
   * The PAM authenticator's account manager when labhub may create Linux accounts with one-time
   * passwords (PAM, running as root), else null.
   */
  private linuxAccounts(): SystemUserManager | null {
    if (process.getuid?.() !== 0) return null;
    return (this.d.login.authenticator as Partial<PamAuthenticator>).systemUsers ?? null;
  }

  /** Whether the admin page offers "create missing Linux accounts with one-time passwords". */
  get linuxAccountsAvailable(): boolean {
    return this.linuxAccounts() !== null;
  }

  /** The user, or 404. */
  async get(name: string): Promise<User> {
    const u = await this.d.store.users.byName(name);
    if (!u) throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such user: ${name.slice(0, 64)}`);
    return u;
  }

  /** The user, or null. */
  find(name: string): Promise<User | null> {
    return this.d.store.users.byName(name);
  }

  /** One page of users (filtered and sorted in SQL) with their servers, groups and roles. */
  async list(q: UserListQuery, restrict?: ListRestriction): Promise<UserPage> {
    const { users, total } = await this.d.store.users.list(q, restrict);
    const ids = users.map((u) => u.id);
    const store = this.d.store;
    // One statement says whether any user has an assigned role or a group (most hubs: neither).
    const needed = ids.length > 1 ? await store.users.pageExtrasNeeded() : null;
    const [servers, groups, roles] = await Promise.all([
      store.users.pageServersInRange(ids).then((s) => s ?? store.servers.forUsers(ids)),
      needed?.groups === false ? new Map<number, string[]>() : store.groups.groupNamesOfUsers(ids),
      needed?.roles === false ? new Map<number, string[]>() : store.users.roleNamesOf(ids),
    ]);
    return { users, total, servers, groups, roles };
  }

  /**
   * Apply the changes in order admin, name, auth_state. A new name is normalized and validated
   * (400 when invalid or taken) and renamed in the authenticator too. Returns the user as stored.
   */
  async update(user: User, changes: UserChanges): Promise<User> {
    if (changes.admin !== undefined) await this.d.store.users.setAdmin(user.id, changes.admin);
    if (changes.name !== undefined) await this.rename(user, changes.name);
    if (changes.authState !== undefined)
      await this.d.store.users.setAuthState(user.id, changes.authState);
    return (await this.d.store.users.byId(user.id))!;
  }

  private async rename(user: User, name: string): Promise<void> {
    const newName = this.d.login.normalize(name);
    if (newName === user.name) return;
    if (await this.d.store.users.byName(newName))
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `User ${newName} already exists, cannot rename ${user.name}`,
      );
    const valid = this.d.login.policy.validate(newName);
    if (!valid.ok)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Invalid username '${newName.slice(0, 32)}': ${valid.reason}`,
      );
    const auth = this.d.login.authenticator;
    if (auth.renameUser) await auth.renameUser(user.name, newName);
    await this.d.store.users.rename(user.id, newName);
  }

  /**
   * Delete the user: their running servers are stopped first (400 while one is starting or
   * stopping), then the row, then the authenticator's account.
   */
  async delete(user: User): Promise<void> {
    for (const s of await this.d.store.servers.forUser(user.id)) {
      if (s.status === 'stopping' || s.status === 'spawning')
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `User ${user.name}'s server ${s.name || '(default)'} is pending; try again when it has settled`,
        );
      if (s.status !== 'stopped') await this.d.spawns?.stop(user, s.name);
    }
    await this.d.store.users.delete(user.id);
    const auth = this.d.login.authenticator;
    if (auth.deleteUser) await auth.deleteUser(user.name);
  }

  /** Normalized, valid, distinct names, in order. Throws 400 naming the first invalid one. */
  normalizeNames(names: readonly string[]): string[] {
    const out: string[] = [];
    for (const n of names) {
      const norm = this.d.login.normalize(n);
      const valid = this.d.login.policy.validate(norm);
      if (!valid.ok)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `Invalid username '${n.slice(0, 32)}': ${valid.reason}`,
        );
      if (!out.includes(norm)) out.push(norm);
    }
    return out;
  }

  /** Run the authenticator's add-user hook; on failure remove the user again and throw 400. */
  private async addToAuthenticator(user: User): Promise<void> {
    const auth = this.d.login.authenticator;
    if (!auth.addUser) return;
    try {
      await auth.addUser(user.name);
    } catch (e) {
      await this.d.store.users.delete(user.id);
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `Failed to create user ${user.name}: ${(e as Error).message}`,
      );
    }
  }

  /** One new user (POST /users/{name}): 409 if it exists, 400 when the add-user hook fails. */
  async createOne(name: string, opts: { admin: boolean }): Promise<User> {
    const [norm] = this.normalizeNames([name]);
    if (await this.d.store.users.byName(norm!))
      throw new HubError('LABHUB_ERR_CONFLICT', 409, `User ${name} already exists`);
    const user = await this.d.store.users.create(norm!, { admin: opts.admin });
    await this.addToAuthenticator(user);
    return user;
  }

  /**
   * New users from already normalized (and authorized) names; existing ones are skipped, and
   * 409 when all exist. Without `linuxAccounts`: one transaction, then the add-user hook per user
   * (a failure removes that user and fails the request with 400, as JupyterHub does). With
   * `linuxAccounts` (PAM as root only, else 400): each missing Linux account is created with a
   * one-time password first; a failing name is reported in `failed` and the others still added.
   */
  async createMany(
    names: readonly string[],
    opts: { admin: boolean; linuxAccounts?: boolean },
  ): Promise<CreatedUsers> {
    const existing = new Set((await this.d.store.users.byNames([...names])).map((u) => u.name));
    const toCreate = [...new Set(names)].filter((n) => !existing.has(n));
    if (!toCreate.length)
      throw new HubError('LABHUB_ERR_CONFLICT', 409, 'All of those users already exist');
    const result: CreatedUsers = {
      users: [],
      oneTimePasswords: new Map(),
      existingLinuxAccounts: [],
      failed: [],
    };
    if (!opts.linuxAccounts) {
      for (const user of await this.d.store.users.createMany(toCreate, { admin: opts.admin })) {
        await this.addToAuthenticator(user);
        result.users.push(user);
      }
      return result;
    }
    const systemUsers = this.linuxAccounts();
    if (!systemUsers)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        'labhub creates Linux accounts only with the PAM authenticator and when it runs as root. Create the accounts with useradd and passwd, or use the native authenticator.',
      );
    const bad = toCreate.find((n) => !LINUX_USERNAME_RE.test(n));
    if (bad)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `"${bad.slice(0, 40)}" cannot be a Linux account name (expected lower-case letters, digits, "_" or "-", starting with a letter or "_", at most 32 characters). Nothing was created.`,
      );
    for (const name of toCreate) {
      try {
        // A password, once set, is reported even if a later step fails: the account exists.
        const password = await ensureLinuxAccountWithOneTimePassword(systemUsers, name);
        if (password === null) result.existingLinuxAccounts.push(name);
        else result.oneTimePasswords.set(name, password);
        const user = await this.d.store.users.create(name, { admin: opts.admin });
        await this.addToAuthenticator(user);
        result.users.push(user);
        this.d.log.info(
          `Added user ${name}${password === null ? ' (its Linux account already existed)' : ' with a new Linux account and a one-time password'}`,
        );
      } catch (e) {
        const message = isHubError(e) ? e.userMessage : (e as Error).message;
        this.d.log.warn(
          `Adding user ${name} with a Linux account failed: ${isHubError(e) ? (e.logMessage ?? message) : message}`,
        );
        result.failed.push({ name, message });
      }
    }
    if (!result.users.length && !result.oneTimePasswords.size) {
      const first = result.failed[0]!;
      throw new HubError(
        'LABHUB_ERR_SYSTEM_USER',
        500,
        `Failed to create user ${first.name}: ${first.message}`,
      );
    }
    return result;
  }
}
