/**
 * Adding users to the hub, for the REST API, the admin page and the CLI: the name rules, the
 * authenticator's add-user hook (undone when it fails), and, under PAM as root, Linux accounts
 * with a one-time password that must be changed at the first login and a private home.
 */
import type { Logger } from '../log.js';
import type { Store, User } from '../db/index.js';
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
  store: Store;
  login: LoginService;
  log: Logger;
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
