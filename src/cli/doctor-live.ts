/**
 * `labhub doctor` beside a running labhub: ports held by this labhub's own hub and proxy are
 * not problems, and labhub's own Python environment counts as providing jupyterhub-singleuser.
 */
import type { Settings } from '../core/settings.js';
import { defaultProxyCommand } from '../proxy/proxy-command.js';
import { managedProxyPid } from '../proxy/pid-file.js';
import { defaultVenvDir, userEnvState } from '../spawner/user-env.js';
import type { CheckResult } from './doctor-checks.js';
import { hubApi, hubVersionAt } from './hub-probe.js';
import { isProcessOf, portOwner } from './port-owner.js';

/** What of this configuration's labhub is running now. */
export interface LiveLabhub {
  /** JupyterHub API version the hub answers with at hub_ip:hub_port, or null. */
  hubVersion: string | null;
  /** The proxy a labhub hub started, from ConfigurableHTTPProxy.pid_file, or null. */
  proxyPid: number | null;
}

export async function detectLive(s: Settings): Promise<LiveLabhub> {
  return {
    hubVersion: await hubVersionAt(hubApi(s).url),
    proxyPid: managedProxyPid(s.proxy.pidFile, s.proxy.command ?? defaultProxyCommand()),
  };
}

/**
 * The check result for a port that is not free: ok when this labhub's hub (`hub`) or proxy
 * (`proxy`) holds it, else a warning naming the process when it can be seen.
 */
export function busyPortResult(
  what: string,
  host: string,
  port: number,
  holder: 'hub' | 'proxy',
  live: LiveLabhub,
  s: Settings,
): CheckResult {
  const owner = portOwner(port);
  // The hub answering JupyterHub's API on this very port is the evidence (it may run in any process).
  if (holder === 'hub' && live.hubVersion !== null)
    return {
      name: what,
      status: 'ok',
      detail: `${host}:${port} is in use by this labhub's hub, which is running (it answers at ${hubApi(s).url})`,
    };
  if (
    holder === 'proxy' &&
    live.proxyPid !== null &&
    (!owner || isProcessOf(owner.pid, live.proxyPid))
  )
    return {
      name: what,
      status: 'ok',
      detail: `${host}:${port} is in use by this labhub's proxy (pid ${live.proxyPid} in ${s.proxy.pidFile}${owner && owner.pid !== live.proxyPid ? `; its data plane, pid ${owner.pid}: ${owner.cmdline.split(' ')[0]}` : ''}); a starting hub adopts it`,
    };
  const who = owner
    ? `pid ${owner.pid}: ${owner.cmdline.slice(0, 100)}`
    : 'a process this user cannot see';
  return {
    name: what,
    status: 'warn',
    detail: `${host}:${port} is in use (${who}), and it is not this labhub's running hub or proxy`,
    fix: `See what holds it: ss -ltnp 'sport = :${port}'. A labhub-proxy with the hub's token is adopted on start; anything else must be stopped, or choose another port.`,
  };
}

/** The single-user command when it is not on PATH: labhub's own environment may provide it. */
export function userEnvResult(s: Settings): CheckResult {
  const venv = s.userEnvDir ?? defaultVenvDir();
  const name = 'single-user command';
  if (s.spawner.extra.user_env === 'off')
    return {
      name,
      status: 'error',
      detail: 'jupyterhub-singleuser is not on PATH, and Spawner.user_env is off',
      fix: 'Install jupyterhub-singleuser (pip install jupyterhub jupyterlab) on PATH, set Spawner.cmd to its full path, or set Spawner.user_env: auto.',
    };
  const state = userEnvState(venv, s.userEnvRequirements ?? undefined);
  if (state === 'ready')
    return {
      name,
      status: 'ok',
      detail: `jupyterhub-singleuser is not on PATH; labhub's own Python environment provides it (${venv}/bin/jupyterhub-singleuser)`,
    };
  if (state === 'outdated')
    return {
      name,
      status: 'warn',
      detail: `labhub's Python environment at ${venv} provides jupyterhub-singleuser, but its requirements file changed since it was built`,
      fix: 'The next start (or spawn) updates it with pip, which needs PyPI (or a pip index in pip.conf).',
    };
  return {
    name,
    status: 'warn',
    detail: `jupyterhub-singleuser is not on PATH, and labhub's Python environment (${venv}) does not exist yet`,
    fix: 'labhub creates it (python/requirements.txt) at the first start; that needs python3 with venv and access to PyPI.',
  };
}
