/**
 * Launching a local server process: find the command (or make labhub's Python environment when
 * `jupyterhub-singleuser` is not on PATH), apply resource limits, drop privileges to the chosen
 * account (setpriv with its groups), and spawn it as the leader of its own process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '../log.js';
import type { SpawnerContext } from './types.js';
import type { RunAsPlan } from './local-spawner.js';
import { cleanupLimits, planLimits } from './limits.js';
import { findOnPath } from './proc.js';
import { ensureUserEnv, type UserEnv } from './user-env.js';
import { spawnProgressOf } from './user-env-progress.js';
import { openServerLog } from './server-log.js';
import { spawnFailed, SYSTEM_PATH } from './spawner-util.js';
import { commonLocalOptions } from './local-options.js';

export interface LaunchInput {
  ctx: SpawnerContext;
  /** `alice` or `alice/gpu`, for messages. */
  who: string;
  plan: RunAsPlan;
  /** The server's complete environment (PATH may be extended with the venv's bin). */
  env: Record<string, string>;
  log: Logger;
  /** A line of the spawn's progress; with `progress` (%) the bar moves too. */
  progress: (message: string, progress?: number) => void;
  port: number;
}

export interface Launched {
  child: ChildProcess;
  /** cgroup directories to remove when the server is gone. */
  cleanupDirs: string[];
  /** The file the server writes its output to (with `serverLogDir`), else null (pipes). */
  logPath: string | null;
}

/**
 * The executable for `Spawner.cmd[0]`: on PATH, or (for `jupyterhub-singleuser` with `user_env`
 * not off) the one in labhub's own venv, whose bin directory is then put first on `env.PATH` so
 * kernels (ipykernel) resolve from the same venv. Throws LABHUB_ERR_SPAWN_FAILED when missing.
 */
async function resolveCommand(input: LaunchInput, cmd0: string, cwd: string): Promise<string> {
  const { env } = input;
  const resolved = findOnPath(cmd0, env.PATH, cwd);
  if (resolved) return resolved;
  const ue = await ensureServerEnv(input, cmd0, env.PATH);
  if (ue) {
    if (ue.binDir) env.PATH = `${ue.binDir}:${env.PATH}`;
    return ue.command;
  }
  throw spawnFailed(
    input.who,
    cmd0.includes('/')
      ? `the command ${cmd0} does not exist or is not executable. Fix Spawner.cmd.`
      : `the command ${JSON.stringify(cmd0)} was not found on PATH (${env.PATH}). Install it, or set Spawner.cmd to its absolute path.`,
  );
}

/**
 * labhub's own Python environment for `jupyterhub-singleuser` when it is not on `searchPath`
 * (and `user_env` is not off): made or checked, with its steps as progress; null when the
 * command is something else. Idempotent: once made, a later call only checks it.
 */
export async function ensureServerEnv(
  input: Pick<LaunchInput, 'ctx' | 'log' | 'progress'>,
  cmd0: string,
  searchPath: string | undefined,
): Promise<UserEnv | null> {
  const own = commonLocalOptions(input.ctx.options.extra);
  const userEnvMode = own.user_env;
  if (cmd0.includes('/') || basename(cmd0) !== 'jupyterhub-singleuser' || userEnvMode === 'off')
    return null;
  if (findOnPath(cmd0, searchPath)) return null;
  input.progress("jupyterhub-singleuser is not on PATH: preparing labhub's Python environment", 50);
  const venvDir = own.user_env_dir;
  const reqFile = own.user_env_requirements;
  return ensureUserEnv({
    command: cmd0,
    searchPath,
    venvDir: venvDir || undefined,
    requirementsFile: reqFile || undefined,
    // The steps in words (with how far) on the page and in the log; pip's raw output at debug.
    onProgress: (line) => input.log.debug(line),
    onStatus: (st) => {
      input.log.info(`Python environment: ${st.message}`);
      input.progress(st.message, spawnProgressOf(st));
    },
  });
}

/** setpriv's prefix to run as the account with its groups, or plain uid/gid when setpriv is missing. */
function privilegeDrop(input: LaunchInput): {
  prefix: string[];
  uidOpts: { uid?: number; gid?: number };
} {
  const { plan } = input;
  if (!plan.switchUser) return { prefix: [], uidOpts: {} };
  const u = plan.account;
  const setpriv = findOnPath('setpriv', SYSTEM_PATH);
  if (setpriv) {
    const prefix = [setpriv, '--reuid', String(u.uid), '--regid', String(u.gid), '--init-groups'];
    return { prefix: [...prefix, '--'], uidOpts: {} };
  }
  input.log.warn(
    "setpriv (util-linux) not found: the server runs with the user's uid/gid but without supplementary groups",
  );
  return { prefix: [], uidOpts: { uid: u.uid, gid: u.gid } };
}

/** Spawn the server (see the file comment); resolves once the process exists. */
export async function launchServer(input: LaunchInput): Promise<Launched> {
  const { ctx, plan, env, who } = input;
  const o = ctx.options;
  const cmd = o.cmd.length ? o.cmd : ['jupyterhub-singleuser'];
  const resolved = await resolveCommand(input, cmd[0], plan.cwd);
  const argv = plan.finishArgv([resolved, ...cmd.slice(1), ...o.args], resolved);

  let limits;
  try {
    limits = planLimits(
      `${ctx.user.name}${ctx.serverName ? '-' + ctx.serverName : ''}`,
      o.memLimit,
      o.cpuLimit,
    );
  } catch (e) {
    throw spawnFailed(
      who,
      `mem_limit/cpu_limit could not be applied (${(e as Error).message}). Remove the limits or run the hub where cgroups are writable.`,
    );
  }
  const { prefix, uidOpts } = privilegeDrop(input);
  const full = [...limits.prefix, ...prefix, ...argv];
  input.log.info(
    { argv: full, cwd: plan.cwd, port: input.port },
    `starting the server of ${who} as ${plan.account.name}`,
  );
  // With serverLogDir the output goes to a file that outlives the hub (see server-log.ts).
  const logDir = commonLocalOptions(o.extra).server_log_dir;
  const out = logDir ? openServerLog(logDir, ctx.user.name, ctx.serverName) : null;
  const child = spawn(full[0], full.slice(1), {
    env,
    cwd: plan.cwd,
    detached: true,
    stdio: ['ignore', out?.fd ?? 'pipe', out?.fd ?? 'pipe'],
    ...uidOpts,
  });
  if (out) closeSync(out.fd);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => {
      cleanupLimits(limits.cleanupDirs);
      reject(spawnFailed(who, `${full[0]} could not be executed (${e.message}).`));
    });
  });
  return { child, cleanupDirs: limits.cleanupDirs, logPath: out?.path ?? null };
}
