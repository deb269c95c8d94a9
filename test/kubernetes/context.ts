/** A Kubernetes spawner's context as the hub makes it, for the tests against the API server. */
import { join } from 'node:path';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import { buildHubEnv, serverPrefixFor } from '../../src/spawner/spawn-env.js';
import type { SpawnerContext } from '../../src/spawner/types.js';
import type { JsonObject } from '../../src/util/json.js';

/** The test node agent runs this for pods of {@link TINY_IMAGE}. */
export const TINY = join(import.meta.dirname, 'tiny-server.mjs');
export const TINY_IMAGE = 'labhub-test/tiny:1';

/**
 * User `name`'s default server; `extra` is the KubeSpawner config (the tiny server's image and
 * command unless it says otherwise; no `kubeconfig`: the in-cluster configuration).
 */
export function kubeContext(
  name: string,
  extra: Record<string, unknown> = {},
  more: { startTimeout?: number; userOptions?: JsonObject; log?: Logger } = {},
): SpawnerContext {
  const prefix = serverPrefixFor('/', name, '');
  return {
    user: { id: 1, name },
    serverName: '',
    hubEnv: buildHubEnv({
      userName: name,
      serverName: '',
      apiToken: 'test-token',
      hubApiUrl: 'http://127.0.0.1:8081/hub/api',
      baseUrl: '/',
      serverPrefix: prefix,
      bindUrl: `http://0.0.0.0:0${prefix}`,
      oauthAccessScopes: [],
      oauthClientAllowedScopes: [],
    }),
    options: {
      cmd: [],
      args: [],
      notebookDir: '',
      defaultUrl: '',
      environment: {},
      envKeep: [],
      ip: '0.0.0.0',
      port: 0,
      startTimeout: more.startTimeout ?? 30,
      httpTimeout: 30,
      pollInterval: 30,
      memLimit: null,
      cpuLimit: null,
      extra: { image: TINY_IMAGE, cmd: [process.execPath, TINY], ...extra },
    },
    userOptions: more.userOptions ?? null,
    log: more.log ?? silentLogger(),
  };
}
