/**
 * The shared environment of this hub's settings (Labhub.shared_env_dir), for `labhub env` and
 * the admin page: one place that says what to set when it is off.
 */
import { HubError } from '../errors.js';
import { SharedEnv } from '../spawner/shared-env.js';
import type { Settings } from './settings.js';

/** The shared environment, or LABHUB_ERR_SHARED_ENV (404) saying how to turn it on. */
export function sharedEnvOf(settings: Settings): SharedEnv {
  if (!settings.sharedEnvDir)
    throw new HubError(
      'LABHUB_ERR_SHARED_ENV',
      404,
      'The shared environment is off: set Labhub.shared_env_dir (e.g. /var/lib/labhub/shared-env) in the config, restart the hub, then add packages.',
    );
  return new SharedEnv(settings.sharedEnvDir, {
    explicit: settings.sharedEnvPython,
    cmd0: settings.spawner.cmd[0],
    searchPath:
      (settings.spawner.environment as Record<string, string | undefined>).PATH ?? process.env.PATH,
    userEnvDir: settings.userEnvDir,
  });
}
