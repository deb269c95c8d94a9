/**
 * The Docker Engine API client of the docker spawner (dockerode, loaded on first use) and the
 * small helpers around it: dockerd's error status and message, and a container's log frames.
 */
import type Docker from 'dockerode';
import { createRequire } from 'node:module';
import { HubError } from '../../errors.js';

// dockerode (about 30 MB) is loaded the first time a Docker spawner is used.
const load = createRequire(import.meta.url);
let DockerLib: typeof Docker | undefined;
const dockerLib = (): typeof Docker => (DockerLib ??= load('dockerode') as typeof Docker);

interface DockerErr {
  statusCode?: number;
  json?: { message?: string };
  message: string;
}

/** The HTTP status of a dockerd error (404: no such object). */
export const status = (e: unknown): number | undefined => (e as DockerErr).statusCode;

/** dockerd's message of an error. */
export const reason = (e: unknown): string => {
  const d = e as DockerErr;
  return (d.json?.message ?? d.message).trim();
};

/** A dockerode client for client_kwargs.base_url, DOCKER_HOST or the default socket. */
export function dockerClient(baseUrl: string | undefined): Docker {
  const url = baseUrl || process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (url.startsWith('unix://'))
    return new (dockerLib())({ socketPath: url.slice('unix://'.length) });
  const m = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(url);
  if (!m)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `DockerSpawner.client_kwargs.base_url (or DOCKER_HOST) ${JSON.stringify(url)} is neither unix:///path nor tcp://host:port.`,
    );
  return new (dockerLib())({ host: m[1], port: Number(m[2]), protocol: 'http' });
}

/** The text of a non-TTY container's log: frames of an 8-byte header (stream, 0, 0, 0, size32be). */
export function logFramesText(buf: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size).toString());
    i += 8 + size;
  }
  return parts.join('');
}
