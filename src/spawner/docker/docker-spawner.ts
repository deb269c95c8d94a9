/**
 * `docker` spawner (dockerspawner's DockerSpawner): one container per user server, through
 * dockerd's Engine API (dockerode).
 *
 * - image: `DockerSpawner.image`, or the user's choice among `allowed_images` (user_options.image).
 * - pull_policy: 'ifnotpresent' pulls a missing image (progress in the spawn page), 'always'
 *   pulls every time, 'never' fails a spawn of a missing image with a clear message, 'skip' does
 *   not look.
 * - Each start creates a fresh container (the server's token and environment change on every
 *   spawn); a stopped container of the same name, kept because `remove` is false, is removed then.
 *   Data lives in `volumes` (named volumes survive container removal).
 * - network_name 'bridge' publishes the server's port on host_ip; 'host' gives each server a free
 *   port on Spawner.ip in the host's network; another network (or use_internal_ip) reaches the
 *   server at the container's IP on that network.
 * - The container id and name are the state: after a hub restart the spawner reattaches to it.
 * - Container events (create, start, die, oom) and the server's log lines are spawn progress.
 */
import type Docker from 'dockerode';
import { createRequire } from 'node:module';

import { HubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';
import { withServiceUrl } from '../spawn-env.js';
import { request } from 'node:http';
import { findFreePort, LineRing } from '../proc.js';
import { hostForUrl, serverLabel, sleep, spawnFailed } from '../spawner-util.js';
import type { ServerUsage, Spawner, SpawnerContext, SpawnProgress } from '../types.js';
import { containerUsage } from './usage.js';
import {
  allowedImages,
  containerName,
  createFields,
  deepMerge,
  dockerOptions,
  hostConfigFields,
  renderDeep,
  templateNamespace,
  volumeBinds,
  type DockerOptions,
} from './options.js';

// dockerode (about 30 MB) is loaded the first time a Docker spawner is used.
const load = createRequire(import.meta.url);
let DockerLib: typeof Docker | undefined;
const dockerLib = (): typeof Docker => (DockerLib ??= load('dockerode') as typeof Docker);

/** Spawner.cmd's default: with it, the image's own CMD runs (as DockerSpawner does). */
const DEFAULT_CMD = 'jupyterhub-singleuser';

interface DockerErr {
  statusCode?: number;
  json?: { message?: string };
  message: string;
}
const status = (e: unknown) => (e as DockerErr).statusCode;
const reason = (e: unknown) => {
  const d = e as DockerErr;
  return (d.json?.message ?? d.message).trim();
};

/** True when `url` answers HTTP (any status) within a second. */
function httpAnswers(url: string): Promise<boolean> {
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

export class DockerSpawner implements Spawner {
  private readonly o: DockerOptions;
  private readonly docker: Docker;
  private readonly who: string;
  private image: string;
  private containerId = '';
  private name: string;
  private stopping = false;
  private readonly output = new LineRing(200);
  private events: SpawnProgress[] = [];
  private readonly waiters = new Set<() => void>();
  private starting = false;
  private abortStreams: (() => void)[] = [];

  constructor(private readonly ctx: SpawnerContext) {
    this.o = dockerOptions(ctx.options.extra);
    this.docker = dockerClient(this.o.client_kwargs.base_url);
    this.who = serverLabel(ctx.user.name, ctx.serverName);
    this.image = this.o.image;
    this.name = containerName(this.o, this.ns(), ctx.serverName !== '');
  }

  private ns() {
    return templateNamespace(this.ctx.user.name, this.ctx.serverName, this.image, this.o.prefix);
  }

  private emit(message: string, progress?: number): void {
    if (!this.starting) return;
    this.events.push({ message, ...(progress !== undefined ? { progress } : {}) });
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private cancelled(): HubError {
    return spawnFailed(
      this.who,
      'the spawn was cancelled (the server was stopped while starting).',
    );
  }

  /** user_options.image checked against allowed_images (DockerSpawner.check_allowed). */
  private chooseImage(): void {
    const wanted = this.ctx.userOptions?.image;
    const choice = Array.isArray(wanted) ? wanted[0] : wanted;
    if (choice === undefined || choice === null || choice === '') return;
    const allowed = allowedImages(this.o);
    if (allowed === '*') {
      this.image = String(choice);
    } else if (!Object.keys(allowed).length) {
      throw new HubError(
        'LABHUB_ERR_SPAWN_FAILED',
        400,
        'Specifying the image to launch is not allowed (DockerSpawner.allowed_images is empty).',
      );
    } else if (!(String(choice) in allowed)) {
      throw new HubError(
        'LABHUB_ERR_SPAWN_FAILED',
        400,
        `Image ${String(choice)} is not in the allowed list: ${Object.keys(allowed).join(', ')}`,
      );
    } else {
      this.image = allowed[String(choice)]!;
    }
    this.name = containerName(this.o, this.ns(), this.ctx.serverName !== '');
  }

  private async pull(): Promise<void> {
    const policy = this.o.pull_policy;
    if (policy === 'skip') return;
    if (policy !== 'always') {
      try {
        await this.docker.getImage(this.image).inspect();
        return;
      } catch (e) {
        if (status(e) !== 404) throw this.daemonError('looking up the image', e);
        if (policy === 'never')
          throw spawnFailed(
            this.who,
            `the image ${this.image} is not present in dockerd, and DockerSpawner.pull_policy is 'never'. Load or pull it on the Docker host (docker pull ${this.image}), or set pull_policy to 'ifnotpresent'.`,
          );
      }
    }
    this.emit(`Pulling image ${this.image}`, 20);
    try {
      const stream = await this.docker.pull(this.image);
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (ev: { status?: string; progress?: string; id?: string }) => {
            if (ev.status && !ev.progress)
              this.emit(`Pulling ${this.image}: ${ev.id ? ev.id + ' ' : ''}${ev.status}`, 25);
          },
        );
      });
    } catch (e) {
      throw spawnFailed(
        this.who,
        `the image ${this.image} could not be pulled (DockerSpawner.pull_policy '${policy}'): ${reason(e)}`,
      );
    }
    this.emit(`Pulled image ${this.image}`, 30);
  }

  private daemonError(what: string, e: unknown): HubError {
    return spawnFailed(
      this.who,
      `dockerd answered an error while ${what}: ${reason(e)}`,
      `docker ${what}: ${reason(e)}`,
    );
  }

  private async command(): Promise<string[]> {
    const { cmd, args } = this.ctx.options;
    if (cmd.length && !(cmd.length === 1 && cmd[0] === DEFAULT_CMD)) return [...cmd, ...args];
    const info = await this.docker.getImage(this.image).inspect();
    const imageCmd: string[] = info.Config?.Cmd ?? [];
    return [...(imageCmd.length ? imageCmd : [DEFAULT_CMD]), ...args];
  }

  /** Network mode, the port the server listens on in the container, and how the hub reaches it. */
  private async addressing(): Promise<{
    mode: string;
    port: number;
    bindIp: string;
    internal: boolean;
  }> {
    const net = this.o.network_name;
    const o = this.ctx.options;
    if (net === 'host') {
      const ip = o.ip || '127.0.0.1';
      return {
        mode: 'host',
        port: o.port > 0 ? o.port : await findFreePort(ip),
        bindIp: ip,
        internal: false,
      };
    }
    const internal = this.o.use_internal_ip ?? net !== 'bridge';
    return { mode: net, port: o.port > 0 ? o.port : 8888, bindIp: '0.0.0.0', internal };
  }

  async start(): Promise<{ url: string }> {
    this.stopping = false;
    this.events = [];
    this.starting = true;
    try {
      return await this.startContainer();
    } finally {
      this.starting = false;
      this.wakeAll();
    }
  }

  private async startContainer(): Promise<{ url: string }> {
    this.chooseImage();
    await this.pull();
    if (this.stopping) throw this.cancelled();
    const ns = this.ns();
    // A container of the same name from an earlier spawn (kept because remove is false, or left
    // by a crash) is removed: each spawn gets a fresh container with its own token.
    try {
      const old = this.docker.getContainer(this.name);
      await old.remove({ force: true });
      this.emit(`Removed the old container ${this.name}`, 35);
    } catch (e) {
      if (status(e) !== 404) throw this.daemonError(`removing the old container ${this.name}`, e);
    }
    const addr = await this.addressing();
    const o = this.ctx.options;
    const env = withServiceUrl({ ...this.ctx.hubEnv }, addr.bindIp, addr.port);
    Object.assign(env, o.environment, { JUPYTER_IMAGE_SPEC: this.image });
    const portKey = `${addr.port}/tcp`;
    let hostConfig: Record<string, unknown> = {
      Binds: volumeBinds(this.o, ns),
      NetworkMode: addr.mode,
    };
    if (o.memLimit) hostConfig.Memory = o.memLimit;
    const extraHost = hostConfigFields(
      renderDeep(this.o.extra_host_config, ns) as Record<string, unknown>,
    );
    if (o.cpuLimit) {
      const period = typeof extraHost.CpuPeriod === 'number' ? extraHost.CpuPeriod : 100_000;
      hostConfig.CpuPeriod = period;
      hostConfig.CpuQuota = Math.floor(o.cpuLimit * period);
    }
    if (addr.mode !== 'host' && !addr.internal)
      hostConfig.PortBindings = { [portKey]: [{ HostIp: this.o.host_ip, HostPort: '' }] };
    hostConfig = deepMerge(hostConfig, extraHost);
    let create: Record<string, unknown> = {
      name: this.name,
      Image: this.image,
      Cmd: await this.command().catch((e: unknown) => {
        throw this.daemonError(`reading the image ${this.image}`, e);
      }),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(addr.mode !== 'host' ? { ExposedPorts: { [portKey]: {} } } : {}),
      Labels: { 'org.jupyter.service': 'jupyterhub', 'labhub.user': this.ctx.user.name },
      HostConfig: hostConfig,
    };
    create = deepMerge(
      create,
      createFields(renderDeep(this.o.extra_create_kwargs, ns) as Record<string, unknown>),
    );
    if (this.stopping) throw this.cancelled();
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(create as Docker.ContainerCreateOptions);
    } catch (e) {
      throw spawnFailed(this.who, `the container ${this.name} could not be created: ${reason(e)}`);
    }
    this.containerId = container.id;
    this.emit(
      `Created container ${this.name} (${container.id.slice(0, 12)}) from image ${this.image}`,
      40,
    );
    if (this.stopping) {
      await this.removeContainer();
      throw this.cancelled();
    }
    this.followEvents(container);
    try {
      await container.start();
    } catch (e) {
      const why = reason(e);
      await this.removeContainer();
      throw spawnFailed(this.who, `the container ${this.name} did not start: ${why}`);
    }
    this.emit(`Started container ${this.name}`, 60);
    // Logs are followed once the container runs (a follow on a created container ends at once).
    this.followLogs(container);
    return { url: await this.waitForServer(container, addr) };
  }

  /** Container events (create, start, die, oom...) → spawn progress. */
  private followEvents(container: Docker.Container): void {
    const id = container.id;
    void this.docker
      .getEvents({ filters: { container: [id], type: ['container'] } })
      .then((stream) => {
        const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
        this.abortStreams.push(() => s.destroy?.());
        let buf = '';
        s.on('data', (b: Buffer) => {
          buf += b.toString();
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const l of lines) {
            try {
              const ev = JSON.parse(l) as { Action?: string };
              if (ev.Action && !ev.Action.startsWith('exec_'))
                this.emit(`Container ${this.name}: ${ev.Action}`);
            } catch {
              /* a partial line */
            }
          }
        });
        s.on('error', () => {});
      })
      .catch(() => {});
  }

  /** The server's output lines → spawn progress while starting, and recentOutput(). */
  private followLogs(container: Docker.Container): void {
    void container
      .logs({ follow: true, stdout: true, stderr: true })
      .then((stream) => {
        const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
        this.abortStreams.push(() => s.destroy?.());
        const sink = (name: string) => ({
          write: (chunk: Buffer) => {
            for (const line of this.output.push(name, chunk.toString()))
              if (line.trim()) this.emit(line);
            return true;
          },
        });
        this.docker.modem.demuxStream(
          s,
          sink('stdout') as unknown as NodeJS.WritableStream,
          sink('stderr') as unknown as NodeJS.WritableStream,
        );
        s.on('error', () => {});
      })
      .catch(() => {});
  }

  private endStreams(): void {
    for (const a of this.abortStreams.splice(0)) a();
    this.wakeAll();
  }

  private async waitForServer(
    container: Docker.Container,
    addr: { mode: string; port: number; bindIp: string; internal: boolean },
  ): Promise<string> {
    let host: string;
    let port = addr.port;
    const info = await container.inspect();
    if (!info.State.Running) throw await this.exitedEarly(container, port);
    if (addr.mode === 'host') {
      host = addr.bindIp === '0.0.0.0' ? '127.0.0.1' : addr.bindIp;
    } else if (addr.internal) {
      const n = info.NetworkSettings.Networks?.[this.o.network_name];
      if (!n?.IPAddress)
        throw spawnFailed(
          this.who,
          `the container ${this.name} has no address on the Docker network ${this.o.network_name} (DockerSpawner.network_name). Did you create it with docker network create?`,
        );
      host = n.IPAddress;
    } else {
      const b = info.NetworkSettings.Ports?.[`${addr.port}/tcp`]?.[0];
      if (!b)
        throw spawnFailed(
          this.who,
          `dockerd published no host port for the container ${this.name}.`,
        );
      host = b.HostIp && b.HostIp !== '0.0.0.0' ? b.HostIp : '127.0.0.1';
      port = Number(b.HostPort);
    }
    for (;;) {
      if (this.stopping) throw this.cancelled();
      if ((await this.poll()) !== null) throw await this.exitedEarly(container, port);
      const url = `http://${hostForUrl(host)}:${port}`;
      // An HTTP answer, not just a TCP accept: a published port (docker-proxy) accepts
      // connections before the server in the container listens.
      if (await httpAnswers(url)) return url;
      await sleep(200);
    }
  }

  /** The error of a container that exited during start, with its last output lines. */
  private async exitedEarly(container: Docker.Container, port: number): Promise<HubError> {
    let tail = '';
    try {
      const buf = (await container.logs({
        stdout: true,
        stderr: true,
        tail: 20,
      })) as unknown as Buffer;
      const lines: string[] = [];
      // Not a TTY: frames of an 8-byte header (stream, 0, 0, 0, size32be) and the payload.
      for (let i = 0; i + 8 <= buf.length;) {
        const size = buf.readUInt32BE(i + 4);
        lines.push(buf.subarray(i + 8, i + 8 + size).toString());
        i += 8 + size;
      }
      tail = lines.join('').trim();
    } catch {
      tail = this.output.tail(20);
    }
    const code = await this.poll().catch(() => null);
    return spawnFailed(
      this.who,
      `the container ${this.name} exited${code !== null ? ` (status ${code})` : ''} before its server listened on port ${port}.${tail ? `\n${tail}` : ''}`,
    );
  }

  private async removeContainer(): Promise<void> {
    if (!this.containerId) return;
    try {
      await this.docker.getContainer(this.containerId).remove({ force: true });
    } catch (e) {
      if (status(e) !== 404 && status(e) !== 409) throw e;
    }
  }

  async stop(opts: { now?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (!this.containerId) {
      // A start still creating its container sees `stopping` and removes it.
      this.endStreams();
      return;
    }
    const c = this.docker.getContainer(this.containerId);
    try {
      await c.stop({ t: opts.now ? 0 : 10 });
    } catch (e) {
      if (status(e) !== 304 && status(e) !== 404) throw e;
    }
    if (this.o.remove) await this.removeContainer();
    this.endStreams();
  }

  async poll(): Promise<number | null> {
    if (!this.containerId) return 0;
    try {
      const info = await this.docker.getContainer(this.containerId).inspect();
      if (info.State.Running) return null;
      return info.State.ExitCode ?? 0;
    } catch (e) {
      if (status(e) === 404) return 0;
      throw e;
    }
  }

  /** CPU and memory from the container's one-shot stats (usage.ts). */
  usage(): Promise<ServerUsage | null> {
    return containerUsage(this.docker, this.containerId);
  }

  getState(): JsonObject {
    return this.containerId ? { object_id: this.containerId, object_name: this.name } : {};
  }

  loadState(s: JsonObject): void {
    const id = s.object_id ?? s.container_id;
    if (typeof id === 'string') this.containerId = id;
    if (typeof s.object_name === 'string' && s.object_name) this.name = s.object_name;
  }

  async *progress(): AsyncIterable<SpawnProgress> {
    let i = 0;
    for (;;) {
      while (i < this.events.length) yield this.events[i++]!;
      if (!this.starting) return;
      await new Promise<void>((r) => {
        this.waiters.add(r);
      });
    }
  }

  recentOutput(): string {
    return this.output.tail(40);
  }
}
