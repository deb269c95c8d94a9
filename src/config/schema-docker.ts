/**
 * DockerSpawner's traits (dockerspawner 14), for the `docker` spawner (src/spawner/docker/).
 * Values are plain data: DockerSpawner's callables (a function for allowed_images, mem_limit,
 * extra_host_config...) have no equivalent in a labhub config and are refused by the schema.
 */
import { z } from 'zod';
import { anyDict, t } from './schema-util.js';

const volumeTarget = z.union([
  z.string().min(1),
  z.strictObject({
    bind: z.string().min(1),
    mode: z.enum(['rw', 'ro', 'z', 'Z']).optional(),
    propagation: z.string().optional(),
  }),
]);

export const dockerSpawnerTraits = {
  image: t(
    z.string().min(1),
    'quay.io/jupyterhub/singleuser:6.1',
    'str',
    "Image of the single-user servers. It must contain jupyterhub-singleuser of a compatible version; when `Spawner.cmd` is left at its default, the image's own CMD runs.",
  ),
  allowed_images: t(
    z.union([z.literal('*'), z.array(z.string().min(1)), z.record(z.string(), z.string().min(1))]),
    {},
    'list[str] | dict[str,str] | "*"',
    "Images users may choose on the spawn page (a list, or a mapping of shown name to image; `'*'` allows any image in user_options). Empty: only `image`, and an image in user_options is refused.",
  ),
  pull_policy: t(
    z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['always', 'ifnotpresent', 'never', 'skip'])),
    'ifnotpresent',
    'str',
    "When to pull the image: 'ifnotpresent' (default), 'always', 'never' (a missing image fails the spawn with a clear message), 'skip' (no check at all).",
  ),
  prefix: t(z.string(), 'jupyter', 'str', 'Prefix of the container names.'),
  name_template: t(
    z.string(),
    '',
    'str',
    'Container name with `{prefix}`, `{username}` (escaped), `{raw_username}`, `{servername}`, `{raw_servername}`, `{imagename}`. Empty: `{prefix}-{username}`, or `{prefix}-{username}--{servername}` for named servers.',
  ),
  network_name: t(
    z.string().min(1),
    'bridge',
    'str',
    "Docker network of the containers. 'bridge' publishes the server's port on host_ip; 'host' shares the host's network (each server gets a free port on Spawner.ip); any other network implies use_internal_ip.",
  ),
  use_internal_ip: t(
    z.boolean().nullable(),
    null,
    'bool',
    "Reach the server at the container's own IP on network_name instead of a published port.",
    'true for a network other than bridge and host',
  ),
  host_ip: t(
    z.string().min(1),
    '127.0.0.1',
    'str',
    'Host address the server port is published on (network bridge, use_internal_ip false).',
  ),
  volumes: t(
    z.record(z.string().min(1), volumeTarget),
    {},
    'dict',
    "Host path or volume name → path in the container (or `{bind, mode}`). `{username}` and the other name_template fields are replaced in both. A name without '/' is a Docker named volume, created on first use and kept across restarts and removals: `{'jupyterhub-user-{username}': '/home/jovyan'}` keeps each user's notebooks.",
  ),
  read_only_volumes: t(
    z.record(z.string().min(1), z.string().min(1)),
    {},
    'dict',
    'Like volumes, mounted read-only.',
  ),
  remove: t(
    z.boolean(),
    false,
    'bool',
    'Delete the container when its server stops (named volumes stay). Without it the stopped container is kept until the next start.',
  ),
  extra_host_config: t(
    anyDict,
    {},
    'dict',
    "Extra HostConfig of the container, in docker-py's `create_host_config` names (`cap_add`, `shm_size`, `extra_hosts`, `cpu_period`...) or the Engine API's (`CapAdd`); merged over what labhub computes.",
  ),
  extra_create_kwargs: t(
    anyDict,
    {},
    'dict',
    "Extra arguments of the container creation in docker-py's `create_container` names (`user`, `working_dir`, `labels`, `hostname`, `environment`...) or the Engine API's; merged over what labhub computes.",
  ),
  client_kwargs: t(
    z.strictObject({ base_url: z.string().min(1).optional() }),
    {},
    'dict',
    "How to reach dockerd: `{'base_url': 'unix:///var/run/docker.sock'}` or `tcp://host:port`. Default: DOCKER_HOST, else /var/run/docker.sock.",
  ),
};

export const dockerSpawnerHelp =
  'Servers in Docker containers, one per user (and named server), with the traits of dockerspawner 14. Runs against dockerd through its API (dockerode); see docs/operations.md "Containers per user (Docker)".';
