/**
 * How a Docker server is reached (DockerSpawner's `network_name`, `use_internal_ip`, `host_ip`):
 * 'bridge' publishes the server's port on host_ip; 'host' gives each server a free port on
 * Spawner.ip in the host's network; another network (one made with `docker network create`), or
 * use_internal_ip, reaches the server at the container's own address on that network.
 */
import type Docker from 'dockerode';
import { request } from 'node:http';
import { findFreePort } from '../proc.js';
import { spawnFailed } from '../spawner-util.js';
import type { DockerOptions } from './options.js';

/** The network mode, the port the server listens on in the container, and how it is reached. */
export interface Addressing {
  mode: string;
  port: number;
  /** The address the server binds in the container (host mode: on the host). */
  bindIp: string;
  /** Reached at the container's own address on `mode` (no published port). */
  internal: boolean;
}

export async function addressing(
  o: DockerOptions,
  spawner: { ip: string; port: number },
): Promise<Addressing> {
  const net = o.network_name;
  if (net === 'host') {
    const ip = spawner.ip || '127.0.0.1';
    return {
      mode: 'host',
      port: spawner.port > 0 ? spawner.port : await findFreePort(ip),
      bindIp: ip,
      internal: false,
    };
  }
  const internal = o.use_internal_ip ?? net !== 'bridge';
  return { mode: net, port: spawner.port > 0 ? spawner.port : 8888, bindIp: '0.0.0.0', internal };
}

/** The HostConfig part of the addressing: the network, and the published port when there is one. */
export function networkHostConfig(a: Addressing, hostIp: string): Record<string, unknown> {
  return {
    NetworkMode: a.mode,
    ...(a.mode !== 'host' && !a.internal
      ? { PortBindings: { [`${a.port}/tcp`]: [{ HostIp: hostIp, HostPort: '' }] } }
      : {}),
  };
}

/** Where the hub (and the proxy) reach the running container's server. */
export function serverAddress(
  info: Docker.ContainerInspectInfo,
  a: Addressing,
  o: DockerOptions,
  who: string,
  name: string,
): { host: string; port: number } {
  if (a.mode === 'host')
    return { host: a.bindIp === '0.0.0.0' ? '127.0.0.1' : a.bindIp, port: a.port };
  if (a.internal) {
    const n = info.NetworkSettings.Networks?.[o.network_name];
    if (!n?.IPAddress)
      throw spawnFailed(
        who,
        `the container ${name} has no address on the Docker network ${o.network_name} (DockerSpawner.network_name). Did you create it with docker network create?`,
      );
    return { host: n.IPAddress, port: a.port };
  }
  const b = info.NetworkSettings.Ports?.[`${a.port}/tcp`]?.[0];
  if (!b) throw spawnFailed(who, `dockerd published no host port for the container ${name}.`);
  return {
    host: b.HostIp && b.HostIp !== '0.0.0.0' ? b.HostIp : '127.0.0.1',
    port: Number(b.HostPort),
  };
}

/** True when `url` answers HTTP (any status) within a second. */
export function httpAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url + '/', { method: 'HEAD', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
