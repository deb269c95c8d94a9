/**
 * Spawner contexts for unit tests of the local spawners: the stand-in HTTP server
 * (fixtures/http-server.mjs, which answers with its uid, cwd and environment) as Spawner.cmd.
 */
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import { bindUrlFor, buildHubEnv, serverPrefixFor } from '../../src/spawner/spawn-env.js';
import { DEFAULT_ENV_KEEP } from '../../src/spawner/spawner-util.js';
import type { SpawnerContext, SpawnerOptions } from '../../src/spawner/types.js';

export const FIXTURE = fileURLToPath(new URL('./fixtures/http-server.mjs', import.meta.url));

/** A context that runs the fixture HTTP server as the hub's own user. */
export function fixtureContext(
  userName: string,
  o: Partial<SpawnerOptions> = {},
  serverName = '',
): SpawnerContext {
  const prefix = serverPrefixFor('/', userName, serverName);
  const hubEnv = buildHubEnv({
    userName,
    serverName,
    apiToken: 'a'.repeat(32),
    hubApiUrl: 'http://127.0.0.1:1/hub/api',
    baseUrl: '/',
    serverPrefix: prefix,
    bindUrl: bindUrlFor('127.0.0.1', 0, prefix),
    oauthAccessScopes: [`access:servers!server=${userName}/${serverName}`],
    oauthClientAllowedScopes: [],
  });
  const options: SpawnerOptions = {
    cmd: [process.execPath, FIXTURE],
    args: [],
    notebookDir: '',
    defaultUrl: '',
    environment: {},
    envKeep: DEFAULT_ENV_KEEP,
    ip: '127.0.0.1',
    port: 0,
    startTimeout: 30,
    httpTimeout: 30,
    pollInterval: 30,
    memLimit: null,
    cpuLimit: null,
    ...o,
    extra: {
      runAsUser: 'self',
      interruptTimeout: 5,
      termTimeout: 5,
      killTimeout: 5,
      ...(o.extra ?? {}),
    },
  };
  return { user: { id: 1, name: userName }, serverName, hubEnv, options, log: silentLogger() };
}
