/** The `docker` spawner plugin (dockerspawner's DockerSpawner). */
import type { SpawnerDefinition, SpawnerNotice } from '../types.js';
import { DockerSpawner } from './docker-spawner.js';
import { dockerOptions, dockerOptionsSchema, imageChoiceForm } from './options.js';

function startupNotices(options: { extra: Record<string, unknown> }): SpawnerNotice[] {
  const o = dockerOptions(options.extra);
  const out: SpawnerNotice[] = [];
  if (o.network_name === 'bridge' && !o.use_internal_ip)
    out.push({
      level: 'warn',
      message:
        "DockerSpawner: containers on the 'bridge' network reach the hub API through JUPYTERHUB_API_URL; 127.0.0.1 there is the container itself.",
      fix: "Set Spawner.hub_connect_url (or JupyterHub.hub_connect_ip) to an address of the hub the containers can reach (e.g. the docker0 gateway, with the hub listening there), or use DockerSpawner.network_name = 'host'.",
    });
  return out;
}

export const dockerSpawner: SpawnerDefinition = {
  id: 'docker',
  aliases: ['dockerspawner', 'dockerspawner.DockerSpawner', 'DockerSpawner'],
  configClasses: ['Spawner', 'DockerSpawner'],
  options: dockerOptionsSchema,
  create: (ctx) => new DockerSpawner(ctx),
  startupNotices,
  optionsForm: (extra) => imageChoiceForm(dockerOptions(extra)),
};
