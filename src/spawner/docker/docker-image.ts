/**
 * The image of a Docker server: the user's choice checked against `allowed_images`, the pull as
 * `pull_policy` says (progress on the spawn page), and the command (the image's own CMD when
 * Spawner.cmd is left at its default, as DockerSpawner does).
 */
import type Docker from 'dockerode';
import { HubError } from '../../errors.js';
import { spawnFailed } from '../spawner-util.js';
import type { JsonObject } from '../../util/json.js';
import { allowedImages, type DockerOptions } from './options.js';
import { reason, status } from './docker-client.js';

/** Spawner.cmd's default: with it, the image's own CMD runs (as DockerSpawner does). */
const DEFAULT_CMD = 'jupyterhub-singleuser';

/**
 * The image to run: user_options.image checked against allowed_images (DockerSpawner's
 * check_allowed), else DockerSpawner.image. Throws LABHUB_ERR_SPAWN_FAILED (400) when refused.
 */
export function chooseImage(o: DockerOptions, userOptions: JsonObject | undefined): string {
  const wanted = userOptions?.image;
  const choice = Array.isArray(wanted) ? wanted[0] : wanted;
  if (choice === undefined || choice === null || choice === '') return o.image;
  const allowed = allowedImages(o);
  if (allowed === '*') return String(choice);
  if (!Object.keys(allowed).length)
    throw new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      400,
      'Specifying the image to launch is not allowed (DockerSpawner.allowed_images is empty).',
    );
  if (!(String(choice) in allowed))
    throw new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      400,
      `Image ${String(choice)} is not in the allowed list: ${Object.keys(allowed).join(', ')}`,
    );
  return allowed[String(choice)]!;
}

/** A spawn error for a dockerd failure while doing `what`. */
export function daemonError(who: string, what: string, e: unknown): HubError {
  return spawnFailed(
    who,
    `dockerd answered an error while ${what}: ${reason(e)}`,
    `docker ${what}: ${reason(e)}`,
  );
}

/** Makes `image` present as `policy` says; pull steps go to `emit`. */
export async function pullImage(
  docker: Docker,
  image: string,
  policy: DockerOptions['pull_policy'],
  who: string,
  emit: (message: string, progress?: number) => void,
): Promise<void> {
  if (policy === 'skip') return;
  if (policy !== 'always') {
    try {
      await docker.getImage(image).inspect();
      return;
    } catch (e) {
      if (status(e) !== 404) throw daemonError(who, 'looking up the image', e);
      if (policy === 'never')
        throw spawnFailed(
          who,
          `the image ${image} is not present in dockerd, and DockerSpawner.pull_policy is 'never'. Load or pull it on the Docker host (docker pull ${image}), or set pull_policy to 'ifnotpresent'.`,
        );
    }
  }
  emit(`Pulling image ${image}`, 20);
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (ev: { status?: string; progress?: string; id?: string }) => {
          if (ev.status && !ev.progress)
            emit(`Pulling ${image}: ${ev.id ? ev.id + ' ' : ''}${ev.status}`, 25);
        },
      );
    });
  } catch (e) {
    throw spawnFailed(
      who,
      `the image ${image} could not be pulled (DockerSpawner.pull_policy '${policy}'): ${reason(e)}`,
    );
  }
  emit(`Pulled image ${image}`, 30);
}

/** The container's command: Spawner.cmd + args, or the image's CMD + args for the default cmd. */
export async function imageCommand(
  docker: Docker,
  image: string,
  cmd: readonly string[],
  args: readonly string[],
): Promise<string[]> {
  if (cmd.length && !(cmd.length === 1 && cmd[0] === DEFAULT_CMD)) return [...cmd, ...args];
  const info = await docker.getImage(image).inspect();
  const imageCmd: string[] = info.Config?.Cmd ?? [];
  return [...(imageCmd.length ? imageCmd : [DEFAULT_CMD]), ...args];
}
