import { Hub } from '../hub.js';
import { createLogger } from '../log.js';
import { chooseAuthenticator, requirePam } from '../auth/choice.js';
import type { Logger } from '../log.js';
import { Store, parseDbUrl } from '../db/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { configuredAuth } from './configured-auth.js';
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
  if (flags.admin) await ensureAdmin(flags.admin, loaded, choice.id, log);
  const hub = new Hub({ loaded, log });
  await hub.start();
  const notice = plainHttpNotice(hub.settings, hub.runtime.tls, loaded.source ?? null);
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
 * The first admin: a DB admin user, then whatever the authenticator's `adminBootstrap` gives it
 * (native: an account; PAM as root: a missing Linux account), each with a one-time password that
 * must be changed at the first login.
 */
async function ensureAdmin(
  name: string,
  loaded: ReturnType<typeof loadWithFlags>,
  authId: string,
  log: Logger,
): Promise<void> {
  const settings = settingsFromConfig(loaded.config, authId);
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  try {
    const { authenticator, bootstrap } = await configuredAuth(
      authId,
      settings.authenticatorOptions,
      store,
      log,
    );
    const { name: admin } = await bootstrap.admin(name, '--admin');
    process.stdout.write(
      authenticator.adminBootstrap
        ? await authenticator.adminBootstrap(admin)
        : `${admin} is an admin (log in with the ${authId} authenticator's credentials).\n`,
    );
  } finally {
    await store.close();
  }
}
