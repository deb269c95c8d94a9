import { Hub } from '../hub.js';
import { createLogger } from '../log.js';
import { createInitialAdmin } from '../auth/native.js';
import { chooseAuthenticator, requirePam } from '../auth/choice.js';
import { Store, parseDbUrl } from '../db/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { ensureLinuxAccountWithOneTimePassword } from '../core/users.js';
import { checkUserName } from '../core/names.js';
import { HubError } from '../errors.js';
import { createSystemUserManager } from '../auth/system-users.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';
import { configFileCheck } from './doctor-files.js';
import { plainHttpNotice } from './http-notice.js';

/**
 * `labhub [--admin NAME]`: start the hub. SIGINT/SIGTERM stop it; user servers and the proxy
 * keep running unless JupyterHub.cleanup_servers / cleanup_proxy say otherwise.
 */
export async function runStart(flags: StartFlags): Promise<void> {
  const loaded = loadWithFlags(flags);
  // --log-level wins, then LABHUB_LOG_LEVEL, then JupyterHub.log_level.
  const level =
    flags.logLevel ??
    process.env.LABHUB_LOG_LEVEL ??
    settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id).logLevel;
  const log = createLogger({ level });
  const config = configFileCheck(loaded);
  if (config) log.warn(`${config.detail}. Fix: ${config.fix}`);
  if (flags.db && /:\/\/[^/@:]*:[^/@]+@/.test(flags.db))
    log.warn(
      '--db holds a password, and every account on this machine can read command lines (ps). Put db_url in a config file only root can read, or the password in PGPASSWORD.',
    );
  const choice = chooseAuthenticator(loaded.config);
  // Refuse before --admin touches any account when PAM is needed and cannot run.
  await requirePam(choice, loaded.config);
  if (flags.admin) await ensureAdmin(flags.admin, loaded, choice.id);
  const hub = new Hub({ loaded, log });
  await hub.start();
  const notice = plainHttpNotice(hub.settings, loaded.source ?? null);
  if (notice) process.stdout.write(notice);
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping the hub (${whatStops(hub.settings)})`);
    await hub.stop().catch((e) => log.error({ err: e }, 'error while stopping'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** What a Ctrl-C stops besides the hub, as the log says it. */
export function whatStops(s: { cleanupServers: boolean; cleanupProxy: boolean }): string {
  if (s.cleanupServers && s.cleanupProxy)
    return 'user servers and the proxy stop too: JupyterHub.cleanup_servers and cleanup_proxy are true';
  if (s.cleanupServers)
    return 'user servers stop too (JupyterHub.cleanup_servers); the proxy keeps running';
  if (s.cleanupProxy)
    return 'the proxy stops too (JupyterHub.cleanup_proxy); user servers keep running';
  return "user servers and the proxy keep running; 'labhub stop --all' stops everything";
}

/**
 * The first admin: a DB admin user; with the native authenticator also an account, and with PAM
 * as root a Linux account (if missing), each with a one-time password that must be changed at
 * the first login.
 */
async function ensureAdmin(
  name: string,
  loaded: ReturnType<typeof loadWithFlags>,
  authId: string,
): Promise<void> {
  const settings = settingsFromConfig(loaded.config, authId);
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  try {
    const normalized = name.trim().toLowerCase();
    const valid = checkUserName(normalized);
    if (!valid.ok)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        400,
        `--admin ${JSON.stringify(name)}: ${valid.reason}.`,
      );
    const user = await store.users.ensure(normalized, { admin: true });
    if (!user.admin) await store.users.setAdmin(user.id, true);
    if (authId === 'native' || authId.toLowerCase().includes('native')) {
      const existing = await store.nativeAccounts.get(normalized);
      if (existing) {
        process.stdout.write(
          `Admin ${normalized} already has an account; use its password (or 'labhub token ${normalized}' for an API token).\n`,
        );
      } else {
        const password = await createInitialAdmin(store.nativeAccounts, normalized);
        process.stdout.write(
          `\n  Admin account created: ${normalized}\n  One-time password:     ${password}\n  At the first login you choose a new password.\n\n`,
        );
      }
    } else if (authId === 'pam' && process.getuid?.() === 0) {
      // The classic deployment: the admin is a Linux account. Create it (with a one-time password)
      // only when it does not exist yet; an existing account keeps its password.
      const options = settings.authenticatorOptions as Record<string, unknown>;
      const password = await ensureLinuxAccountWithOneTimePassword(
        createSystemUserManager(options),
        normalized,
      );
      if (password) {
        process.stdout.write(
          `\n  Linux account created for the admin: ${normalized}\n  One-time password:                  ${password}\n  At the first login you choose a new password (it is the Linux password of ${normalized}).\n\n`,
        );
      } else {
        process.stdout.write(
          `${normalized} is an admin: log in with the Linux password of ${normalized}.\n`,
        );
      }
    } else {
      process.stdout.write(
        `${normalized} is an admin (log in with the ${authId} authenticator's credentials).\n`,
      );
    }
  } finally {
    await store.close();
  }
}
