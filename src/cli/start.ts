import { Hub } from '../hub.js';
import { createLogger } from '../log.js';
import { createInitialAdmin } from '../auth/native.js';
import { chooseAuthenticator, requirePam } from '../auth/choice.js';
import { Store, parseDbUrl } from '../db/index.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { HubError } from '../errors.js';
import { createSystemUserManager } from '../auth/system-users.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';
import { configFileCheck } from './doctor-files.js';

/** `labhub [--admin NAME]`: start the hub; SIGINT/SIGTERM stop it and leave servers and proxy running. */
export async function runStart(flags: StartFlags): Promise<void> {
  const log = createLogger({ level: flags.logLevel });
  const loaded = loadWithFlags(flags);
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
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping the hub (user servers and the proxy keep running)`);
    await hub.stop().catch((e) => log.error({ err: e }, 'error while stopping'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The first admin: a DB admin user; for the native authenticator also an account with a one-time password. */
async function ensureAdmin(
  name: string,
  loaded: ReturnType<typeof loadWithFlags>,
  authId: string,
): Promise<void> {
  const settings = settingsFromConfig(loaded.config, authId);
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  try {
    const normalized = name.trim().toLowerCase();
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
          `\n  Admin account created: ${normalized}\n  One-time password:     ${password}\n  Log in and change it at /hub/change-password.\n\n`,
        );
      }
    } else if (authId === 'pam' && process.getuid?.() === 0) {
      // The classic deployment: the admin is a Linux account. Create it (with a one-time password)
      // only when it does not exist yet; an existing account keeps its password.
      const manager = createSystemUserManager({ create_system_users: true });
      if ((await manager.ensureUser(normalized)) === 'created') {
        const password = randomBytes(9).toString('base64url');
        const r = spawnSync('chpasswd', [], { input: `${normalized}:${password}\n` });
        if (r.status !== 0)
          throw new HubError(
            'LABHUB_ERR_SYSTEM_USER',
            500,
            `Could not set the password of the new Linux user ${normalized}: ${r.stderr.toString().trim()}`,
          );
        process.stdout.write(
          `\n  Linux account created for the admin: ${normalized}\n  One-time password:                  ${password}\n  Change it with: passwd ${normalized}\n\n`,
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
