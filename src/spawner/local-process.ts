/**
 * `local-process` spawner (JupyterHub's LocalProcessSpawner): runs the single-user server as a
 * local process, as the user's Linux account when the hub is root (with supplementary groups,
 * via `setpriv --init-groups`), else as the hub's own user. The process machinery (port, launch,
 * stop, reattach) is shared with `simple-local-process` (local-spawner.ts); who runs the server
 * is decided in run-as-user.ts.
 *
 * Options in `options.extra` (camelCase or JupyterHub's snake_case):
 * - `runAsUser`: `'auto'` (default: as the Linux account named like the user when the hub is
 *   root, refused when there is no such account; as the hub's user when it is not root) or
 *   `'self'` (always the hub's user).
 * - `interruptTimeout` 10, `termTimeout` 5, `killTimeout` 5 (seconds): SIGINT → SIGTERM → SIGKILL.
 * - `userEnv`: `'auto'` (default: create labhub's venv when `jupyterhub-singleuser` is not on PATH)
 *   or `'off'`; `userEnvDir`: the venv directory, `userEnvRequirements`: its requirements file
 *   (see user-env.ts).
 * - `serverLogDir`: the server's output goes to a file there (see server-log.ts), followed into
 *   the hub log, also after a hub restart; without it, to pipes (lost when the hub stops).
 * - `allowRoot` (default true): when the server would run as root (run_as_user 'self' under
 *   root), a `jupyter*` command gets `--allow-root` and a warning is logged; false = let Jupyter
 *   refuse.
 */
import type { SpawnerDefinition } from './types.js';
import { LocalSpawner } from './local-spawner.js';
import { runAsUser } from './run-as-user.js';
import { localProcessOptionsSchema } from './local-options.js';

export { describeLimitSupport } from './limits.js';
export { DEFAULT_ENV_KEEP } from './spawner-util.js';

/** The local-process spawner plugin. */
export const localProcessSpawner: SpawnerDefinition = {
  id: 'local-process',
  aliases: [
    'localprocess',
    'local',
    'jupyterhub.spawner.LocalProcessSpawner',
    'LocalProcessSpawner',
  ],
  configClasses: ['Spawner', 'LocalProcessSpawner'],
  options: localProcessOptionsSchema,
  create: (ctx) => new LocalSpawner(ctx, 'local-process', runAsUser(ctx)),
};

export default localProcessSpawner;
