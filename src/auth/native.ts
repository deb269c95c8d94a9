/**
 * The `native` authenticator: accounts with scrypt password hashes stored in the hub database.
 * Sign-up (off unless `open_signup`), admin approval of sign-ups, password change, minimum
 * password length, optional lockout after `allowed_failed_logins` failures.
 *
 * Storage is the {@link NativeAccountStore} interface; this file never touches the database.
 * The hub passes an implementation in the options: `create({ options: { ...traits, store }, log })`.
 *
 * Options (NativeAuthenticator traits): `store` (required, a NativeAccountStore), `open_signup`
 * (false: no sign-up form), `signup_requires_approval` (true: an admin approves each sign-up;
 * note NativeAuthenticator's `open_signup: true` also skipped approval — here approval is still
 * needed unless this is false), `minimum_password_length` (8), `allowed_failed_logins` (0 = no
 * lockout), `seconds_before_next_try` (600), `now` (tests only: a clock in milliseconds).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Authenticator, AuthenticatorDefinition, AuthResult, LoginInput } from './types.js';
import { HubError } from '../errors.js';
import { logName, readBool, readInt } from './options.js';
import { normalizeBasic, validateBasic } from './policy.js';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.js';

/** One account as stored. */
export interface NativeAccount {
  /** Normalized username (primary key). */
  name: string;
  /** `scrypt$…` (see password-hash.ts). */
  passwordHash: string;
  approved: boolean;
  createdAt: Date;
  failedLogins?: number;
  lockedUntil?: Date | null;
  /** The password is a one-time password: the next login must choose a new one. */
  mustChangePassword?: boolean;
}

/** Where accounts live; the hub implements it on its database. */
export interface NativeAccountStore {
  get(name: string): Promise<NativeAccount | null>;
  /** Rejects if an account with this name exists. */
  create(a: NativeAccount): Promise<void>;
  update(name: string, patch: Partial<Omit<NativeAccount, 'name'>>): Promise<void>;
  list(opts?: { pending?: boolean }): Promise<NativeAccount[]>;
}

/** Longest password accepted (longer ones are refused without hashing). */
export const MAX_PASSWORD_LENGTH = 1024;

/** The native authenticator: the contract plus account management for the pages and API. */
export interface NativeAuthenticator extends Authenticator {
  readonly signupEnabled: boolean;
  /**
   * Create an account from the sign-up form. Throws HubError LABHUB_ERR_FORBIDDEN (sign-up off),
   * LABHUB_ERR_BAD_REQUEST (invalid name, short password), LABHUB_ERR_CONFLICT (name taken).
   */
  signup(username: string, password: string): Promise<{ name: string; approved: boolean }>;
  /** Approve a pending account. Throws LABHUB_ERR_NOT_FOUND. */
  approve(name: string): Promise<void>;
  /** Change a password, checking the old one. Returns false if the old password is wrong. Throws LABHUB_ERR_BAD_REQUEST for a short new one. */
  changePassword(name: string, oldPassword: string, newPassword: string): Promise<boolean>;
  /** Admin reset: set a password (clears lockout). Throws LABHUB_ERR_NOT_FOUND / LABHUB_ERR_BAD_REQUEST. */
  setPassword(name: string, newPassword: string): Promise<void>;
  /** Accounts awaiting approval. */
  listPending(): Promise<NativeAccount[]>;
}

function isStore(s: unknown): s is NativeAccountStore {
  const o = s as Record<string, unknown> | null;
  return !!o && ['get', 'create', 'update', 'list'].every((k) => typeof o[k] === 'function');
}

function checkNewPassword(password: string, min: number): void {
  if (password.length < min)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `The password must be at least ${min} characters long.`,
    );
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`,
    );
}

/**
 * Create (or reset) an approved account with a random one-time password and return the password.
 * Used by `labhub --admin NAME`; the caller makes the hub user an admin. An existing account gets
 * a new password and is approved and unlocked (recovery of a lost admin password). Either way the
 * password must be changed at the first login.
 */
export async function createInitialAdmin(store: NativeAccountStore, name: string): Promise<string> {
  const n = normalizeBasic(name);
  const v = validateBasic(n);
  if (!v.ok)
    throw new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      400,
      `Cannot create admin "${logName(n)}": ${v.reason}.`,
    );
  const password = randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(password);
  if (await store.get(n))
    await store.update(n, {
      passwordHash,
      approved: true,
      failedLogins: 0,
      lockedUntil: null,
      mustChangePassword: true,
    });
  else
    await store.create({
      name: n,
      passwordHash,
      approved: true,
      createdAt: new Date(),
      failedLogins: 0,
      lockedUntil: null,
      mustChangePassword: true,
    });
  return password;
}

function createNative(
  options: Record<string, unknown>,
  log: Logger,
  now: () => number = Date.now,
): NativeAuthenticator {
  const W = 'NativeAuthenticator';
  const rawStore = options.store;
  if (!isStore(rawStore))
    throw new HubError(
      'LABHUB_ERR_INTERNAL',
      500,
      'The native authenticator was created without an account store.',
      {
        logMessage:
          'native authenticator: ctx.options.store must implement NativeAccountStore (get, create, update, list).',
      },
    );
  const store: NativeAccountStore = rawStore;
  const signupEnabled = readBool(options, 'open_signup', false, W);
  const needsApproval = readBool(options, 'signup_requires_approval', true, W);
  const minLength = readInt(options, 'minimum_password_length', 8, W, 1);
  const allowedFailures = readInt(options, 'allowed_failed_logins', 0, W);
  const lockSeconds = readInt(options, 'seconds_before_next_try', 600, W, 1);
  // Unknown users are checked against this hash so they take as long as known ones.
  let decoy: Promise<string> | undefined;

  async function authenticate(input: LoginInput): Promise<AuthResult | null> {
    const name = normalizeBasic(input.username ?? '');
    const password = input.password ?? '';
    if (!validateBasic(name).ok || password.length === 0 || password.length > MAX_PASSWORD_LENGTH)
      return null;
    const acct = await store.get(name);
    if (!acct) {
      decoy ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await decoy);
      return null;
    }
    if (acct.lockedUntil && acct.lockedUntil.getTime() > now()) {
      log.info(`native: "${logName(name)}" is locked until ${acct.lockedUntil.toISOString()}`);
      return null;
    }
    const ok = await verifyPassword(password, acct.passwordHash);
    if (!ok) {
      if (allowedFailures > 0) {
        const failed = (acct.failedLogins ?? 0) + 1;
        if (failed >= allowedFailures) {
          const until = new Date(now() + lockSeconds * 1000);
          await store.update(name, { failedLogins: 0, lockedUntil: until });
          log.warn(
            `native: "${logName(name)}" locked until ${until.toISOString()} after ${failed} failed logins`,
          );
        } else await store.update(name, { failedLogins: failed });
      }
      return null;
    }
    if (!acct.approved) {
      log.info(`native: "${logName(name)}" has the right password but awaits admin approval`);
      return null;
    }
    const patch: Partial<NativeAccount> = {};
    if ((acct.failedLogins ?? 0) !== 0 || acct.lockedUntil)
      Object.assign(patch, { failedLogins: 0, lockedUntil: null });
    if (needsRehash(acct.passwordHash)) patch.passwordHash = await hashPassword(password);
    if (Object.keys(patch).length) await store.update(name, patch);
    return acct.mustChangePassword ? { name, passwordChangeRequired: true } : { name };
  }

  return {
    description: 'Native (accounts stored by the hub)',
    signupEnabled,
    minimumPasswordLength: minLength,
    normalizeUsername: normalizeBasic,
    authenticate,
    async signup(username, password) {
      if (!signupEnabled)
        throw new HubError(
          'LABHUB_ERR_FORBIDDEN',
          403,
          'Sign-up is disabled on this hub. Ask an administrator for an account.',
          {
            logMessage: 'sign-up attempt while NativeAuthenticator.open_signup is false',
          },
        );
      const name = normalizeBasic(username);
      const v = validateBasic(name);
      if (!v.ok)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `This username cannot be used: ${v.reason}.`,
        );
      checkNewPassword(password, minLength);
      if (await store.get(name))
        throw new HubError('LABHUB_ERR_CONFLICT', 409, `The username "${name}" is already taken.`);
      const approved = !needsApproval;
      await store.create({
        name,
        passwordHash: await hashPassword(password),
        approved,
        createdAt: new Date(now()),
        failedLogins: 0,
        lockedUntil: null,
      });
      log.info(`native: sign-up "${logName(name)}"${approved ? '' : ' (awaiting approval)'}`);
      return { name, approved };
    },
    async approve(name) {
      const n = normalizeBasic(name);
      if (!(await store.get(n)))
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No account "${logName(n)}" to approve.`);
      await store.update(n, { approved: true });
    },
    async changePassword(name, oldPassword, newPassword) {
      const n = normalizeBasic(name);
      checkNewPassword(newPassword, minLength);
      const acct = await store.get(n);
      if (!acct || !(await verifyPassword(oldPassword, acct.passwordHash))) return false;
      await store.update(n, {
        passwordHash: await hashPassword(newPassword),
        failedLogins: 0,
        lockedUntil: null,
        mustChangePassword: false,
      });
      return true;
    },
    async setRequiredPassword(name, newPassword) {
      const n = normalizeBasic(name);
      checkNewPassword(newPassword, minLength);
      if (!(await store.get(n)))
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No account "${logName(n)}".`);
      await store.update(n, {
        passwordHash: await hashPassword(newPassword),
        failedLogins: 0,
        lockedUntil: null,
        mustChangePassword: false,
      });
    },
    async setPassword(name, newPassword) {
      const n = normalizeBasic(name);
      checkNewPassword(newPassword, minLength);
      if (!(await store.get(n)))
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No account "${logName(n)}".`);
      await store.update(n, {
        passwordHash: await hashPassword(newPassword),
        failedLogins: 0,
        lockedUntil: null,
      });
    },
    listPending: () => store.list({ pending: true }),
  };
}

/** The `native` plugin; `ctx.options.store` must be a {@link NativeAccountStore}. */
export const nativeAuthenticatorDefinition: AuthenticatorDefinition = {
  id: 'native',
  aliases: [
    'native',
    'nativeauthenticator',
    'NativeAuthenticator',
    'nativeauthenticator.NativeAuthenticator',
  ],
  configClasses: ['Authenticator', 'NativeAuthenticator'],
  create: (ctx) =>
    createNative(
      ctx.options,
      ctx.log,
      typeof ctx.options.now === 'function' ? (ctx.options.now as () => number) : undefined,
    ),
};
