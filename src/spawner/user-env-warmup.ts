/**
 * The hub's background warm-up of labhub's Python environment: started with the hub so the
 * first spawn does not wait for pip from the beginning. Each step is logged at info level in
 * words (what, how far, how long); pip's own output at debug level. A spawn that arrives during
 * the build joins it and shows the same steps on its progress page.
 */
import type { Logger } from '../log.js';
import { ensureUserEnv } from './user-env.js';

export interface WarmupOptions {
  /** Spawner.cmd: only `jupyterhub-singleuser` can come from labhub's environment. */
  cmd: readonly string[];
  /** Spawner.user_env: 'off' never builds. */
  userEnv: unknown;
  venvDir: string | null;
  requirementsFile: string | null;
  log: Logger;
}

/** Starts the warm-up when the spawner will need labhub's environment; never throws. */
export function warmUserEnv(o: WarmupOptions): void {
  if (o.cmd[0] !== 'jupyterhub-singleuser' || o.userEnv === 'off') return;
  void ensureUserEnv({
    venvDir: o.venvDir ?? undefined,
    requirementsFile: o.requirementsFile ?? undefined,
    onProgress: (l) => o.log.debug(`Python user environment: ${l}`),
    onStatus: (s) => o.log.info(`Python user environment: ${s.message}`),
  }).catch((e: unknown) => o.log.error(`Python user environment: ${(e as Error).message}`));
}
