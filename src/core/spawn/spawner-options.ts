import type { SpawnerOptions } from '../../spawner/types.js';
import type { SpawnerSettings } from '../settings.js';
import { formatSpawnerTemplate } from '../../spawner/spawn-env.js';

/** The spawner options as configured (templates not filled in), for `startupNotices`. */
export function configuredSpawnerOptions(
  sp: SpawnerSettings,
): Pick<SpawnerOptions, 'cmd' | 'args' | 'extra'> {
  return { cmd: [...sp.cmd], args: [...sp.args], extra: { ...sp.extra } };
}

/** The options one spawner instance gets: templates (`{username}`, `{base_url}`) filled in. */
export function spawnerOptionsFor(
  sp: SpawnerSettings,
  userName: string,
  prefix: string,
): SpawnerOptions {
  const ns = { username: userName, base_url: prefix };
  return {
    cmd: [...sp.cmd],
    args: [...sp.args],
    notebookDir: sp.notebookDir ? formatSpawnerTemplate(sp.notebookDir, ns) : '',
    defaultUrl: sp.defaultUrl ? formatSpawnerTemplate(sp.defaultUrl, ns) : '',
    environment: { ...sp.environment },
    envKeep: [...sp.envKeep],
    ip: sp.ip,
    port: sp.port,
    startTimeout: sp.startTimeout,
    httpTimeout: sp.httpTimeout,
    pollInterval: sp.pollInterval,
    memLimit: sp.memLimit,
    cpuLimit: sp.cpuLimit,
    extra: { ...sp.extra },
  };
}
