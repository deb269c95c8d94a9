/**
 * `simple-local-process` spawner (JupyterHub's SimpleLocalProcessSpawner, `spawner_class =
 * 'simple'`): every server runs as the hub's own user, whatever the hub user's name, with no
 * Linux account per user and no isolation between users. For tests and demos.
 *
 * As in JupyterHub: HOME is `home_dir_template` with `{username}` filled in (default
 * `/tmp/{username}`), created with mode 0755 when missing, and is the server's working directory;
 * USER is the person's hub user name, SHELL `/bin/bash`; `notebook_dir` reaches the server as
 * `JUPYTERHUB_ROOT_DIR` (`~` and relative paths are taken from that HOME).
 *
 * Differences, each a refusal with a message instead of a surprise:
 * - a missing notebook_dir is created (JupyterHub lets the server fail on it);
 * - the home directory must belong to the hub's user and not be writable by group or others (a
 *   server reads its Jupyter config, kernels and IPython startup files from HOME, so a directory
 *   someone else controls would run their code as the hub's user);
 * - when the hub is root, a `jupyter*` command must carry `--allow-root` (`Spawner.args =
 *   ['--allow-root']`, as JupyterHub needs too): it is never added silently.
 * The hub logs a warning at start that every server runs as its own user.
 */
import { lstatSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { formatSpawnerTemplate } from './spawn-env.js';
import type { SpawnerContext, SpawnerDefinition, SpawnerNotice } from './types.js';
import { LocalSpawner, type LocalRunAs, type RunAsPlan } from './local-spawner.js';
import { prepareNotebookDir } from './run-as-user.js';
import { currentUnixUser, makeDirs } from './unix-user.js';
import { serverLabel, spawnFailed } from './spawner-util.js';
import { localOptions, simpleOptionsSchema } from './local-options.js';

/** JupyterHub's default `SimpleLocalProcessSpawner.home_dir_template`. */
export const DEFAULT_HOME_DIR_TEMPLATE = '/tmp/{username}';

/** Arguments that let Jupyter run as root (`--allow-root` or the ServerApp trait set true). */
const ALLOW_ROOT = /^--(allow-root|(ServerApp|NotebookApp)\.allow_root(=(True|true|1))?)$/;

const isRoot = () => process.getuid?.() === 0;

function homeTemplate(extra: Record<string, unknown>): string {
  return localOptions(simpleOptionsSchema, extra, 'SimpleLocalProcessSpawner').home_dir_template;
}

/** True when a server of this command line, run as root, would be refused by Jupyter. */
function lacksAllowRoot(command: string, argv: string[]): boolean {
  return basename(command).startsWith('jupyter') && !argv.some((a) => ALLOW_ROOT.test(a));
}

const ALLOW_ROOT_FIX =
  "Add c.Spawner.args = ['--allow-root'] to the config (JupyterHub needs the same), or run the hub " +
  "as an ordinary user, or use spawner_class 'localprocess' with a Linux account per user.";

/**
 * The home directory of `ctx`'s server: made when missing, then checked to be a real directory of
 * the hub's user that nobody else can write. Throws LABHUB_ERR_SPAWN_FAILED saying why.
 */
function prepareHome(ctx: SpawnerContext, who: string, progress: (m: string) => void): string {
  const name = ctx.user.name;
  if (!name || name === '.' || name === '..' || /[/\0]/.test(name))
    throw spawnFailed(
      who,
      `the user name ${JSON.stringify(name)} cannot be a directory name for SimpleLocalProcessSpawner.home_dir_template.`,
    );
  const template = homeTemplate(ctx.options.extra);
  const home = resolve(
    formatSpawnerTemplate(template, {
      username: name,
      base_url: ctx.hubEnv.JUPYTERHUB_SERVICE_PREFIX ?? '/',
    }),
  );
  try {
    if (makeDirs(home).length) progress(`Created the home directory ${home}`);
  } catch (e) {
    throw spawnFailed(
      who,
      `the home directory ${home} (SimpleLocalProcessSpawner.home_dir_template ${JSON.stringify(template)}) cannot be created (${(e as Error).message}). Fix the template or the permissions of its parent.`,
    );
  }
  const st = lstatSync(home);
  const self = process.getuid?.() ?? st.uid;
  const problem = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isDirectory()
      ? 'is not a directory'
      : st.uid !== self
        ? `belongs to uid ${st.uid}, not to the hub's user (uid ${self})`
        : st.mode & 0o022
          ? `is writable by ${st.mode & 0o020 ? 'its group' : 'others'} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`
          : null;
  if (problem)
    throw spawnFailed(
      who,
      `the home directory ${home} ${problem}. The server would run as the hub's user with HOME there and load Jupyter config, kernels and startup files from it. ` +
        `Remove it (or chmod go-w it) so labhub can make it, or set SimpleLocalProcessSpawner.home_dir_template to a directory only the hub's user can write.`,
    );
  return home;
}

/** The simple strategy: always the hub's own user, HOME from home_dir_template. */
function runAsHubUser(ctx: SpawnerContext): LocalRunAs {
  const who = serverLabel(ctx.user.name, ctx.serverName);
  return {
    prepare({ progress }): Promise<RunAsPlan> {
      const home = prepareHome(ctx, who, progress);
      prepareNotebookDir({ notebookDir: ctx.options.notebookDir, home, who, progress });
      const account = currentUnixUser();
      return Promise.resolve({
        account,
        switchUser: false,
        env: { USER: ctx.user.name, HOME: home, SHELL: '/bin/bash' },
        cwd: home,
        finishArgv(argv, resolved) {
          if (isRoot() && lacksAllowRoot(resolved, argv))
            throw spawnFailed(
              who,
              `the hub runs as root and SimpleLocalProcessSpawner runs every server as the hub's user, so this server would run as root, which Jupyter refuses without --allow-root (labhub does not add it silently). ${ALLOW_ROOT_FIX}`,
            );
          return argv;
        },
      });
    },
  };
}

/** What the hub says at start (and `labhub doctor` reports) about this spawner. */
function startupNotices(options: {
  cmd: string[];
  args: string[];
  extra: Record<string, unknown>;
}): SpawnerNotice[] {
  const self = currentUnixUser();
  const template = homeTemplate(options.extra);
  formatSpawnerTemplate(template, { username: 'x', base_url: '/' }); // a bad template fails at start
  const out: SpawnerNotice[] = [
    {
      level: 'warn',
      message: `SimpleLocalProcessSpawner: every user's server runs as the hub's own user ${self.name} (uid ${self.uid}) with HOME ${template}; users are not isolated from each other or from the hub.`,
      fix: "Use it for tests and demos only; for real users use spawner_class 'localprocess' (a Linux account per user).",
    },
  ];
  const cmd = options.cmd.length ? options.cmd : ['jupyterhub-singleuser'];
  if (isRoot() && lacksAllowRoot(cmd[0], [...cmd, ...options.args]))
    out.push({
      level: 'error',
      message:
        'SimpleLocalProcessSpawner under root without --allow-root in Spawner.args: every spawn will fail, because Jupyter refuses to run as root without it (labhub does not add it silently).',
      fix: ALLOW_ROOT_FIX,
    });
  return out;
}

/** The simple-local-process spawner plugin. */
export const simpleLocalProcessSpawner: SpawnerDefinition = {
  id: 'simple-local-process',
  aliases: [
    'simple',
    'simplelocalprocess',
    'jupyterhub.spawner.SimpleLocalProcessSpawner',
    'SimpleLocalProcessSpawner',
  ],
  configClasses: ['Spawner', 'LocalProcessSpawner', 'SimpleLocalProcessSpawner'],
  options: simpleOptionsSchema,
  create: (ctx) => new LocalSpawner(ctx, 'simple-local-process', runAsHubUser(ctx)),
  startupNotices,
};

export default simpleLocalProcessSpawner;
