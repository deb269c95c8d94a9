/**
 * The `native` authenticator: accounts with scrypt password hashes stored in the hub database,
 * with NativeAuthenticator's settings and meaning (jupyterhub-nativeauthenticator 1.3):
 *
 * - `enable_signup` (true): the sign-up page exists; false: no sign-up, admins create accounts.
 * - `open_signup` (false): sign-ups can sign in at once; false: an admin approves each one
 *   (or discards it). Names in `admin_users` / `allowed_users` are approved at once either way.
 * - `ask_email_on_signup` (false): sign-up asks for an e-mail address (stored, shown to admins).
 * - `check_common_password` (false), `minimum_password_length` (8; the plugin's default is 1):
 *   rules for new passwords at sign-up and password change (native-passwords.ts).
 * - `allowed_failed_logins` (0 = off) / `seconds_before_next_try` (600): lock an account after
 *   that many failed logins in a row (native-lockout.ts).
 *
 * Storage is the {@link NativeAccountStore} interface (`deps.accounts`); this file never touches
 * the database. The sign-up, change-password and sign-ups pages are the hub's, shown for the
 * {@link SelfServiceAccounts} capability.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type {
  Authenticator,
  AuthenticatorNotice,
  AuthResult,
  LoginInput,
  NativeAccount,
  NativeAccountStore,
  SelfServiceAccounts,
} from './types.js';
import { HubError, isHubError } from '../errors.js';
import { authenticatorTraits, nativeAuthenticatorTraits } from '../config/schema-auth.js';
import { defineAuthenticator } from './define.js';
import { logName } from './options.js';
import { normalizeBasic, validateBasic } from './policy.js';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.js';
import { MAX_PASSWORD_LENGTH, checkEmail, checkNewPassword } from './native-passwords.js';
import { NativeLockout } from './native-lockout.js';

export type { NativeAccount, NativeAccountStore, SignupInput } from './types.js';

/** The native authenticator: the contract, with its accounts and their pages. */
export interface NativeAuthenticator extends Authenticator, SelfServiceAccounts {
  readonly selfService: SelfServiceAccounts;
  readonly minimumPasswordLength: number;
}

/** NativeAuthenticator's options: its own traits, and the names it approves at sign-up. */
const nativeOptionsSchema = z.object({
  ...nativeAuthenticatorTraits,
  // The lock must last: at least one second (whole seconds, as NativeAuthenticator counts them).
  seconds_before_next_try: z.number().int().min(1).prefault(600),
  admin_users: authenticatorTraits.admin_users,
  allowed_users: authenticatorTraits.allowed_users,
});
type NativeOptions = z.output<typeof nativeOptionsSchema>;

/** The message for the right password of an account that is not approved yet. */
export const AWAITING_APPROVAL_MESSAGE =
  'Your account is waiting for an administrator’s approval. You can sign in once it is approved.';

function isStore(s: unknown): s is NativeAccountStore {
  const o = s as Record<string, unknown> | null;
  return (
    !!o &&
    ['get', 'create', 'update', 'list', 'countPending', 'delete', 'rename'].every(
      (k) => typeof o[k] === 'function',
    )
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

/**
 * Names in `admin_users` without an account while sign-up is on: NativeAuthenticator approves a
 * sign-up under such a name at once, so whoever signs up first becomes an admin. `labhub --admin
 * NAME` claims the name. The native authenticator's start-up notice.
 */
async function unclaimedAdminNotices(
  store: NativeAccountStore,
  adminUsers: readonly string[],
  signupEnabled: boolean,
): Promise<AuthenticatorNotice[]> {
  if (!signupEnabled || !adminUsers.length) return [];
  const names: string[] = [];
  for (const n of adminUsers.map(normalizeBasic)) if (!(await store.get(n))) names.push(n);
  if (!names.length) return [];
  return [
    {
      level: 'warn',
      message:
        `Sign-up is on (NativeAuthenticator.enable_signup) and admin_users has names without an account: ${names.map((n) => JSON.stringify(logName(n))).join(', ')}. ` +
        'Whoever signs up first under such a name becomes an admin at once (NativeAuthenticator approves admin_users). ' +
        'Claim each now with labhub --admin NAME, or set NativeAuthenticator.enable_signup: false.',
    },
  ];
}

function createNative(
  options: NativeOptions,
  rawStore: NativeAccountStore,
  log: Logger,
  now: () => number = Date.now,
): NativeAuthenticator {
  if (!isStore(rawStore))
    throw new HubError(
      'LABHUB_ERR_INTERNAL',
      500,
      'The native authenticator was created without an account store.',
      {
        logMessage:
          'native authenticator: deps.accounts must implement NativeAccountStore (get, create, update, list, countPending, delete, rename).',
      },
    );
  const store: NativeAccountStore = rawStore;
  const signupEnabled = options.enable_signup;
  const openSignup = options.open_signup;
  const askEmail = options.ask_email_on_signup;
  const rules = {
    minLength: Math.max(1, options.minimum_password_length),
    checkCommon: options.check_common_password,
  };
  // NativeAuthenticator approves sign-ups of names the config already lets in.
  const preApproved = new Set(
    [...options.admin_users, ...options.allowed_users].map(normalizeBasic),
  );
  const lockout = new NativeLockout({
    allowedFailures: options.allowed_failed_logins,
    lockSeconds: options.seconds_before_next_try,
    store,
    log,
    now,
  });
  // Unknown users are checked against this hash so they take as long as known ones.
  let decoy: Promise<string> | undefined;

  /** The account table failed: LABHUB_ERR_DB (the hub cannot check), never a plain Error. */
  async function authenticate(input: LoginInput): Promise<AuthResult | null> {
    try {
      return await check(input);
    } catch (e) {
      if (isHubError(e)) throw e;
      throw new HubError(
        'LABHUB_ERR_DB',
        503,
        'Login is not possible right now: the hub cannot read its accounts.',
        { logMessage: `native: the account table failed: ${(e as Error).message}`, cause: e },
      );
    }
  }

  async function check(input: LoginInput): Promise<AuthResult | null> {
    const name = normalizeBasic(input.username ?? '');
    const password = input.password ?? '';
    // A NUL never matches: scrypt's HMAC pads short keys with zero bytes, so "pw\0" would
    // verify as "pw" (and no password with a NUL can be set).
    if (
      !validateBasic(name).ok ||
      password.length === 0 ||
      password.length > MAX_PASSWORD_LENGTH ||
      password.includes('\0')
    )
      return null;
    const acct = await store.get(name);
    lockout.check(name, acct);
    if (!acct) {
      decoy ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await decoy);
      await lockout.failure(name, null);
      return null;
    }
    if (!(await verifyPassword(password, acct.passwordHash))) {
      await lockout.failure(name, acct);
      return null;
    }
    if (!acct.approved)
      throw new HubError('LABHUB_ERR_LOGIN_FAILED', 403, AWAITING_APPROVAL_MESSAGE, {
        logMessage: `native: "${logName(name)}" has the right password but awaits admin approval`,
      });
    const patch: Partial<NativeAccount> = lockout.cleared(acct);
    if (needsRehash(acct.passwordHash)) patch.passwordHash = await hashPassword(password);
    if (Object.keys(patch).length) await store.update(name, patch);
    return acct.mustChangePassword ? { name, passwordChangeRequired: true } : { name };
  }

  async function setHash(name: string, newPassword: string): Promise<void> {
    await store.update(name, {
      passwordHash: await hashPassword(newPassword),
      failedLogins: 0,
      lockedUntil: null,
      mustChangePassword: false,
    });
  }

  const self: Omit<NativeAuthenticator, 'selfService'> = {
    description: 'Native (accounts stored by the hub)',
    signupEnabled,
    openSignup,
    askEmail,
    minimumPasswordLength: rules.minLength,
    normalizeUsername: normalizeBasic,
    authenticate,
    async signup({ username, password, email }) {
      if (!signupEnabled)
        throw new HubError(
          'LABHUB_ERR_NOT_FOUND',
          404,
          'Sign-up is turned off on this hub. Ask an administrator for an account.',
          { logMessage: 'sign-up attempt while NativeAuthenticator.enable_signup is false' },
        );
      const name = normalizeBasic(username);
      const v = validateBasic(name);
      if (!v.ok)
        throw new HubError(
          'LABHUB_ERR_BAD_REQUEST',
          400,
          `This username cannot be used: ${v.reason}.`,
        );
      const mail = askEmail ? checkEmail(email) : null;
      checkNewPassword(password, rules);
      if (await store.get(name))
        throw new HubError('LABHUB_ERR_CONFLICT', 409, `The username "${name}" is already taken.`);
      const approved = openSignup || preApproved.has(name);
      await store.create({
        name,
        passwordHash: await hashPassword(password),
        approved,
        createdAt: new Date(now()),
        failedLogins: 0,
        lockedUntil: null,
        email: mail,
      });
      log.info(
        `native: sign-up "${logName(name)}"${approved ? (openSignup ? '' : ' (approved: named in admin_users or allowed_users)') : ' (awaiting approval)'}`,
      );
      return { name, approved };
    },
    async approve(name) {
      const n = normalizeBasic(name);
      if (!(await store.get(n)))
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No account "${logName(n)}" to approve.`);
      await store.update(n, { approved: true });
    },
    async discard(name) {
      const n = normalizeBasic(name);
      const acct = await store.get(n);
      if (!acct)
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No sign-up "${logName(n)}" to discard.`);
      if (acct.approved)
        throw new HubError(
          'LABHUB_ERR_CONFLICT',
          409,
          `The account "${logName(n)}" is already approved: delete the user on the admin page instead.`,
        );
      await store.delete(n);
    },
    async changePassword(name, oldPassword, newPassword) {
      const n = normalizeBasic(name);
      checkNewPassword(newPassword, rules);
      const acct = await store.get(n);
      if (!acct || !(await verifyPassword(oldPassword, acct.passwordHash))) return false;
      await setHash(n, newPassword);
      return true;
    },
    async setRequiredPassword(name, newPassword) {
      const n = normalizeBasic(name);
      checkNewPassword(newPassword, rules);
      if (!(await store.get(n)))
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No account "${logName(n)}".`);
      await setHash(n, newPassword);
    },
    async setPassword(name, newPassword) {
      const n = normalizeBasic(name);
      checkNewPassword(newPassword, rules);
      if (!(await store.get(n)))
        throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No account "${logName(n)}".`);
      await setHash(n, newPassword);
    },
    hasAccount: async (name) => !!(await store.get(normalizeBasic(name))),
    listPending: () => store.list({ pending: true }),
    countPending: () => store.countPending(),
    async renameUser(oldName, newName) {
      const [from, to] = [normalizeBasic(oldName), normalizeBasic(newName)];
      if (from === to || !(await store.get(from))) return;
      if (await store.get(to))
        throw new HubError(
          'LABHUB_ERR_CONFLICT',
          409,
          `Cannot rename ${logName(from)} to ${logName(to)}: a native account (perhaps a sign-up awaiting approval) already has that name. Discard it on /hub/signups first.`,
        );
      await store.rename(from, to);
    },
    async deleteUser(name) {
      await store.delete(normalizeBasic(name));
    },
    async adminBootstrap(name) {
      if (await store.get(name))
        return `Admin ${name} already has an account; use its password (or 'labhub token ${name}' for an API token).\n`;
      const password = await createInitialAdmin(store, name);
      return `\n  Admin account created: ${name}\n  One-time password:     ${password}\n  At the first login you choose a new password.\n\n`;
    },
    startupNotices: () =>
      unclaimedAdminNotices(store, options.admin_users, signupEnabled).catch((e: unknown) => [
        {
          level: 'warn' as const,
          message: `Could not check admin_users against native accounts: ${(e as Error).message}`,
        },
      ]),
  };
  return Object.assign(self, { selfService: self });
}

/** The `native` plugin; `deps.accounts` is where its accounts live. */
export const nativeAuthenticatorDefinition = defineAuthenticator({
  id: 'native',
  aliases: [
    'native',
    'nativeauthenticator',
    'NativeAuthenticator',
    'nativeauthenticator.NativeAuthenticator',
  ],
  configClasses: ['Authenticator', 'NativeAuthenticator'],
  options: nativeOptionsSchema,
  create: (options, deps) => createNative(options, deps.accounts, deps.log, deps.now),
});
