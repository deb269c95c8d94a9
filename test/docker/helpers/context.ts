/**
 * The Docker spawner test context, shared by the spawner and usage() cases: a SpawnerContext for
 * one user's default server on the private dockerd with the test image (never pulled), and the
 * spawners the cases made, stopped at the end by the entry file.
 */
import { silentLogger } from '../../../src/log.js';
import { dockerSpawner } from '../../../src/spawner/docker/index.js';
import { bindUrlFor, buildHubEnv, serverPrefixFor } from '../../../src/spawner/spawn-env.js';
import type { Spawner, SpawnerContext } from '../../../src/spawner/types.js';
import type { JsonObject } from '../../../src/util/json.js';
import type { PrivateDockerd } from '../../helpers/dockerd.js';

export interface ContextOptions {
  /** The server's command (default: none, the caller's `cmd` is required). */
  cmd: string[];
  notebookDir?: string;
  userOptions?: JsonObject;
  /** Spawner.environment. */
  environment?: Record<string, string>;
  /** DockerSpawner traits on top of the image, pull_policy 'never' and the socket. */
  extra?: Record<string, unknown>;
}

export function dockerContext(
  dockerd: PrivateDockerd,
  userName: string,
  o: ContextOptions,
): SpawnerContext {
  const prefix = serverPrefixFor('/', userName, '');
  const hubEnv = buildHubEnv({
    userName,
    serverName: '',
    apiToken: 'a'.repeat(32),
    hubApiUrl: 'http://127.0.0.1:1/hub/api',
    baseUrl: '/',
    serverPrefix: prefix,
    bindUrl: bindUrlFor('127.0.0.1', 0, prefix),
    oauthAccessScopes: [`access:servers!server=${userName}/`],
    oauthClientAllowedScopes: [],
    rootDir: o.notebookDir || undefined,
  });
  return {
    user: { id: 1, name: userName },
    serverName: '',
    hubEnv,
    userOptions: o.userOptions,
    options: {
      cmd: o.cmd,
      args: [],
      notebookDir: o.notebookDir ?? '',
      defaultUrl: '',
      environment: o.environment ?? {},
      envKeep: [],
      ip: '127.0.0.1',
      port: 0,
      startTimeout: 60,
      httpTimeout: 30,
      pollInterval: 30,
      memLimit: null,
      cpuLimit: null,
      extra: {
        image: dockerd.image,
        pull_policy: 'never',
        client_kwargs: { base_url: `unix://${dockerd.socketPath}` },
        ...o.extra,
      },
    },
    log: silentLogger(),
  };
}

const live: Spawner[] = [];

/** A Docker spawner for `ctx`, stopped by {@link stopLiveSpawners} if a case left it running. */
export function createSpawner(ctx: SpawnerContext): Spawner {
  const sp = dockerSpawner.create(ctx);
  live.push(sp);
  return sp;
}

export async function stopLiveSpawners(): Promise<void> {
  for (const sp of live.splice(0)) await sp.stop({ now: true }).catch(() => {});
}
