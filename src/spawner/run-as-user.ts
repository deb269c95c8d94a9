/**
 * Who runs a `local-process` server: as the Linux account named like the hub user when the hub
 * is root (its uid, gid and groups; its HOME and SHELL), else as the hub's own user
 * (`run_as_user: 'self'` forces the latter). Also the notebook directory every local spawner
 * creates when it is missing.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Logger } from '../log.js';
import type { SpawnerContext } from './types.js';
import type { LocalRunAs, RunAsPlan } from './local-spawner.js';
import {
  currentUnixUser,
  lookupUnixUser,
  makeDirs,
  unixGroupIds,
  unreachableReason,
  type UnixUser,
} from './unix-user.js';
import { serverLabel, spawnFailed } from './spawner-util.js';
import { localOptions, localProcessOptionsSchema } from './local-options.js';

/**
 * `Spawner.notebook_dir` of a server whose home is `home`: `~` and relative paths are taken from
 * `home` (the server resolves them the same way). Created when missing (the last part owned by
 * `owner` when given). Returns the absolute directory, or null when notebook_dir is not set.
 * Throws LABHUB_ERR_SPAWN_FAILED naming the directory when it cannot be made.
 */
export function prepareNotebookDir(opts: {
  notebookDir: string;
  home: string;
  owner?: { uid: number; gid: number };
  who: string;
  progress: (message: string) => void;
}): string | null {
  if (!opts.notebookDir) return null;
  const expanded = opts.notebookDir.replace(/^~(?=\/|$)/, opts.home);
  const dir = isAbsolute(expanded) ? expanded : join(opts.home, expanded);
  try {
    if (makeDirs(dir, opts.owner).length) opts.progress(`Created the notebook directory ${dir}`);
  } catch (e) {
    throw spawnFailed(
      opts.who,
      `the notebook directory ${dir} does not exist and cannot be created (${(e as Error).message}). Create it, or fix Spawner.notebook_dir.`,
    );
  }
  return dir;
}

/** `dir`, or its nearest existing parent: a missing cwd makes spawn() report ENOENT as if the command were missing. */
export function existingDir(dir: string): string {
  let d = dir;
  while (!existsSync(d) && d !== dirname(d)) d = dirname(d);
  return d;
}

/** The `local-process` strategy (options `runAsUser`, `allowRoot`; see local-process.ts). */
export function runAsUser(ctx: SpawnerContext): LocalRunAs {
  const who = serverLabel(ctx.user.name, ctx.serverName);
  const options = () =>
    localOptions(localProcessOptionsSchema, ctx.options.extra, 'LocalProcessSpawner');

  async function account(): Promise<{ user: UnixUser; switchUser: boolean }> {
    const mode = options().run_as_user;
    const self = currentUnixUser();
    if (mode === 'auto' && process.getuid?.() === 0) {
      const u = await lookupUnixUser(ctx.user.name);
      if (u) return { user: u, switchUser: u.uid !== self.uid || u.gid !== self.gid };
      // Never fall back to root silently: that would give any hub user a root terminal.
      throw spawnFailed(
        who,
        `there is no Linux account named ${JSON.stringify(ctx.user.name)}, and the hub runs as root. ` +
          'Create the account (or set LocalAuthenticator.create_system_users = True), or set ' +
          "LocalProcessSpawner.run_as_user = 'self' to run every server as root (not safe for untrusted users).",
      );
    }
    return { user: self, switchUser: false };
  }

  /** Jupyter refuses to run as root without --allow-root: add it, loudly (unless allow_root is false). */
  function finishArgv(log: Logger, user: UnixUser, argv: string[], resolved: string): string[] {
    if (
      user.uid !== 0 ||
      !basename(resolved).startsWith('jupyter') ||
      !options().allow_root ||
      argv.some((a) => /allow[-_]root/.test(a))
    )
      return argv;
    log.warn(
      `the server of ${who} runs as root (no Linux account named ${JSON.stringify(ctx.user.name)}); --allow-root added. Create Linux accounts for users, or set allow_root: false to refuse`,
    );
    return [...argv, '--allow-root'];
  }

  return {
    async prepare({ progress, log }): Promise<RunAsPlan> {
      const { user, switchUser } = await account();
      const owner = switchUser ? { uid: user.uid, gid: user.gid } : undefined;
      const dir = prepareNotebookDir({
        notebookDir: ctx.options.notebookDir,
        home: user.home,
        owner,
        who,
        progress,
      });
      if (dir && switchUser) {
        const why = unreachableReason(dir, user, await unixGroupIds(user.name));
        if (why)
          throw spawnFailed(
            who,
            `the notebook directory ${dir} is not usable: ${why}. Fix the permissions or Spawner.notebook_dir.`,
          );
      }
      return {
        account: user,
        switchUser,
        env: { USER: user.name, LOGNAME: user.name, HOME: user.home, SHELL: user.shell },
        cwd: existingDir(dir ?? user.home),
        finishArgv: (argv, resolved) => finishArgv(log, user, argv, resolved),
      };
    },
  };
}
