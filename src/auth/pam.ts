/**
 * The `pam` authenticator: Linux accounts checked by PAM (`pam_authenticate` + `pam_acct_mgmt`,
 * so expired and locked accounts are refused), like JupyterHub's PAMAuthenticator. The checks
 * themselves are in pam-check.ts (two backends, pam-backends.ts: node-linux-pam, pamtester).
 * Whether PAM can run at all is decided before the hub starts (choice.ts): the hub refuses to start
 * rather than use another login system.
 *
 * A right password that must be changed (PAM_NEW_AUTHTOK_REQD: `chage -d 0`, e.g. the one-time
 * password of an account labhub created) is reported to the hub with `passwordChangeRequired`;
 * the hub then asks for a new one, which {@link PamAuthenticator.setRequiredPassword} sets as
 * root with chpasswd. Without root the login is refused as before (the log says why).
 *
 * Options (PAMAuthenticator traits): `service` ('login'), `encoding` ('utf8'), `check_account`
 * (true), `open_sessions` (false, as in JupyterHub ≥ 2.2), plus LocalAuthenticator's
 * `create_system_users`, `add_user_cmd`, `uids` (see system-users.ts). Allow/admin options
 * (`allowed_groups`, `admin_groups`, …) are applied by policy.ts, not here.
 */
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Authenticator, AuthResult, LoginInput } from './types.js';
import { HubError } from '../errors.js';
import {
  authenticatorTraits,
  localAuthenticatorTraits,
  pamAuthenticatorTraits,
} from '../config/schema-auth.js';
import { defineAuthenticator } from './define.js';
import { logName } from './options.js';
import { linuxAccountChecks } from './linux-account-checks.js';
import { ensureLinuxAccountWithOneTimePassword } from './linux-passwords.js';
import { normalizeBasic, validateBasic } from './policy.js';
import { createSystemUserManager, run, type SystemUserManager } from './system-users.js';
import { findPamtester } from './pam-backends.js';
import { pamCheck } from './pam-check.js';
import { setLinuxPassword } from './linux-passwords.js';

export { availablePamBackends, type PamBackendName } from './pam-backends.js';
export {
  forcePamBackend,
  pamCheck,
  type PamCheckOptions,
  type PamCheckResult,
} from './pam-check.js';

/**
 * All groups of a Linux user: the primary group (passwd gid, e.g. from `useradd -g jupyter`) AND
 * the supplementary groups, through NSS (`id -Gn`). An unknown user has no groups ([]).
 */
export async function groupsOfUser(name: string): Promise<string[]> {
  if (!validateBasic(name).ok || name.startsWith('-')) return [];
  const r = await run('id', ['-Gn', '--', name]);
  if (r.error)
    throw new HubError(
      'LABHUB_ERR_PAM',
      500,
      `Cannot read the groups of "${logName(name)}": ${r.error.message}`,
    );
  if (r.code !== 0) return [];
  return [...new Set(r.stdout.trim().split(/\s+/).filter(Boolean))];
}

/** The PAM authenticator instance: the contract plus PAM session hooks for the spawner. */
export interface PamAuthenticator extends Authenticator {
  /** When `open_sessions` is on: open a PAM session for the user (before spawn). Never throws. */
  openSession(name: string): Promise<void>;
  /** When `open_sessions` is on: close it (after stop). Never throws. */
  closeSession(name: string): Promise<void>;
  /** Creates missing Linux accounts (LocalAuthenticator options); core/users.ts uses it too. */
  readonly systemUsers: SystemUserManager;
  /** Sets the new Linux password with chpasswd (root only; see linux-passwords.ts). */
  setRequiredPassword(name: string, newPassword: string): Promise<void>;
}

function isEncoding(e: string): e is BufferEncoding {
  return Buffer.isEncoding(e);
}

/**
 * PAMAuthenticator's options: its own traits, LocalAuthenticator's (system users, groups) and
 * the policy names its start-up checks look up.
 */
const pamOptionsSchema = z.object({
  ...pamAuthenticatorTraits,
  ...localAuthenticatorTraits,
  admin_users: authenticatorTraits.admin_users,
  allow_all: z.boolean().optional(),
});
type PamOptions = z.output<typeof pamOptionsSchema>;

function createPam(options: PamOptions, log: Logger): PamAuthenticator {
  const { service, check_account: checkAccount } = options;
  const encodingRaw = options.encoding.toLowerCase();
  const encoding = encodingRaw === 'utf-8' ? 'utf8' : encodingRaw;
  if (!isEncoding(encoding))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `PAMAuthenticator.encoding must be an encoding like "utf8" or "latin1", but it is ${JSON.stringify(encodingRaw)}.`,
    );
  let openSessions = options.open_sessions;
  const systemUsers = createSystemUserManager(options, log);

  async function session(op: 'open_session' | 'close_session', name: string): Promise<void> {
    if (!openSessions) return;
    const exe = findPamtester();
    const r = exe ? await run(exe, [service, name, op], { timeoutMs: 30_000 }) : null;
    if (!r || r.code !== 0) {
      // As in JupyterHub: a failing session setup turns sessions off instead of blocking spawns.
      openSessions = false;
      log.warn(
        `PAM ${op} for ${logName(name)} failed (${r ? r.stderr.trim().slice(0, 200) : 'pamtester not installed'}); ` +
          'PAMAuthenticator.open_sessions is now off. Fix /etc/pam.d/' +
          service +
          ' session rules or set open_sessions: false.',
      );
    }
  }

  return {
    description: `PAM (service ${service})`,
    normalizeUsername: normalizeBasic,
    async authenticate(input: LoginInput): Promise<AuthResult | null> {
      const name = normalizeBasic(input.username ?? '');
      const password = input.password ?? '';
      if (!validateBasic(name).ok || name.startsWith('-')) {
        log.info(`PAM: refused invalid username "${logName(name)}"`);
        return null;
      }
      // An empty password could match a password-less account (pam_unix nullok): never accept it.
      if (password.length === 0 || password.includes('\0')) return null;
      const r = await pamCheck(name, password, {
        service,
        encoding,
        checkAccount,
        remoteHost: input.remoteAddr,
      });
      // Right password, but it must be changed first: only root can set it (chpasswd).
      const mustChange = !r.ok && r.passwordChangeRequired === true;
      if (mustChange && process.getuid?.() !== 0) {
        log.info(
          `PAM: login refused for "${logName(name)}": the password must be changed (${r.reason}), ` +
            'and labhub does not run as root, so it cannot set a new one. Change it with passwd.',
        );
        return null;
      }
      if (!r.ok && !mustChange) {
        log.info(`PAM: login refused for "${logName(name)}": ${r.reason}`);
        return null;
      }
      let groups: string[] | undefined;
      try {
        groups = await groupsOfUser(name);
      } catch {
        groups = undefined; // policy will ask again through its callback
      }
      return {
        name,
        ...(groups ? { groups } : {}),
        ...(mustChange ? { passwordChangeRequired: true } : {}),
      };
    },
    async addUser(name: string): Promise<void> {
      await systemUsers.ensureUser(name);
    },
    groupsOf: groupsOfUser,
    async adminBootstrap(name) {
      // The classic deployment: the admin is a Linux account. As root, create it (with a one-time
      // password) when it does not exist yet; an existing account keeps its password.
      const password =
        process.getuid?.() === 0
          ? await ensureLinuxAccountWithOneTimePassword(systemUsers, name)
          : null;
      return password
        ? `\n  Linux account created for the admin: ${name}\n  One-time password:                  ${password}\n  At the first login you choose a new password (it is the Linux password of ${name}).\n\n`
        : `${name} is an admin: log in with the Linux password of ${name}.\n`;
    },
    async startupNotices() {
      try {
        const rs = await linuxAccountChecks(options, { countMembers: false });
        return rs
          .filter((r) => r.status !== 'ok')
          .map((r) => ({ level: 'warn', message: `${r.detail}${r.fix ? ` Fix: ${r.fix}` : ''}` }));
      } catch (e) {
        return [
          {
            level: 'warn',
            message: `Could not check the accounts named in the config: ${(e as Error).message}`,
          },
        ];
      }
    },
    systemUsers,
    minimumPasswordLength: 8,
    setRequiredPassword: (name, newPassword) => setLinuxPassword(name, newPassword),
    openSession: (name) => session('open_session', name),
    closeSession: (name) => session('close_session', name),
  };
}

/** The `pam` plugin. */
export const pamAuthenticatorDefinition = defineAuthenticator({
  id: 'pam',
  aliases: ['pam', 'pamauthenticator', 'PAMAuthenticator', 'jupyterhub.auth.PAMAuthenticator'],
  configClasses: ['Authenticator', 'LocalAuthenticator', 'PAMAuthenticator'],
  options: pamOptionsSchema,
  create: (options, { log }) => createPam(options, log),
});
