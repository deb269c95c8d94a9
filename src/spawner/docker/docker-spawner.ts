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
 *
 * The container's lifecycle is here; the image (choice, pull, command) is docker-image.ts, the
 * network and address docker-network.ts, events and logs docker-streams.ts, the client
 * docker-client.ts, the options and templates options.ts.
 */
import type Docker from 'dockerode';
import { HubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';
import { withServiceUrl } from '../spawn-env.js';
import { LineRing } from '../proc.js';
import { hostForUrl, serverLabel, sleep, spawnFailed } from '../spawner-util.js';
import type { ServerUsage, Spawner, SpawnerContext, SpawnProgress } from '../types.js';
import { containerUsage } from './usage.js';
import {
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
import { dockerClient, logFramesText, reason, status } from './docker-client.js';
import { chooseImage, daemonError, imageCommand, pullImage } from './docker-image.js';
import {
  addressing,
  httpAnswers,
  networkHostConfig,
  serverAddress,
  type Addressing,
} from './docker-network.js';
import { followEvents, followLogs } from './docker-streams.js';

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
  /** Between saving the container's name and knowing its id (getState gives the name alone). */
  private pendingName = false;

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

  private daemonError(what: string, e: unknown): HubError {
    return daemonError(this.who, what, e);
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
    this.image = chooseImage(this.o, this.ctx.userOptions ?? undefined);
    this.name = containerName(this.o, this.ns(), this.ctx.serverName !== '');
    await pullImage(this.docker, this.image, this.o.pull_policy, this.who, (m, p) =>
      this.emit(m, p),
    );
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
    const o = this.ctx.options;
    const addr = await addressing(this.o, o);
    const env = withServiceUrl({ ...this.ctx.hubEnv }, addr.bindIp, addr.port);
    Object.assign(env, o.environment, { JUPYTER_IMAGE_SPEC: this.image });
    const portKey = `${addr.port}/tcp`;
    let hostConfig: Record<string, unknown> = {
      Binds: volumeBinds(this.o, ns),
      ...networkHostConfig(addr, this.o.host_ip),
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
    hostConfig = deepMerge(hostConfig, extraHost);
    let create: Record<string, unknown> = {
      name: this.name,
      Image: this.image,
      Cmd: await imageCommand(this.docker, this.image, o.cmd, o.args).catch((e: unknown) => {
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
    // The name is saved before the container exists: a replica adopting this state finds the
    // container by it even if this hub dies before it saved the id (resumeStart, stop).
    this.pendingName = true;
    await this.ctx.stateChanged?.();
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(create as Docker.ContainerCreateOptions);
    } catch (e) {
      throw spawnFailed(this.who, `the container ${this.name} could not be created: ${reason(e)}`);
    } finally {
      this.pendingName = false;
    }
    this.containerId = container.id;
    await this.ctx.stateChanged?.();
    this.emit(
      `Created container ${this.name} (${container.id.slice(0, 12)}) from image ${this.image}`,
      40,
    );
    if (this.stopping) {
      await this.removeContainer();
      throw this.cancelled();
    }
    const abortOnStop = (abort: () => void) => this.abortStreams.push(abort);
    followEvents(this.docker, container, this.name, (m) => this.emit(m), abortOnStop);
    try {
      await container.start();
    } catch (e) {
      const why = reason(e);
      await this.removeContainer();
      throw spawnFailed(this.who, `the container ${this.name} did not start: ${why}`);
    }
    this.emit(`Started container ${this.name}`, 60);
    // Logs are followed once the container runs (a follow on a created container ends at once).
    followLogs(this.docker, container, this.output, (m) => this.emit(m), abortOnStop);
    return { url: await this.waitForServer(container, addr) };
  }

  private endStreams(): void {
    for (const a of this.abortStreams.splice(0)) a();
    this.wakeAll();
  }

  private async waitForServer(container: Docker.Container, addr: Addressing): Promise<string> {
    const info = await container.inspect();
    if (!info.State.Running) throw await this.exitedEarly(container, addr.port);
    const { host, port } = serverAddress(info, addr, this.o, this.who, this.name);
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
      tail = logFramesText(buf).trim();
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
    if (this.pendingName) return { object_name: this.name };
    return this.containerId ? { object_id: this.containerId, object_name: this.name } : {};
  }

  loadState(s: JsonObject): void {
    const id = s.object_id ?? s.container_id;
    if (typeof id === 'string') this.containerId = id;
    if (typeof s.object_name === 'string' && s.object_name) {
      this.name = s.object_name;
      // Saved before its container was created (see startContainer): dockerd knows it by name.
      if (typeof id !== 'string') this.containerId = s.object_name;
    }
  }

  /**
   * A start interrupted by a hub replica's death, from its saved state: the container (started
   * now if the replica died between creating and starting it) until its server answers HTTP.
   */
  async resumeStart(): Promise<{ url: string }> {
    this.stopping = false;
    if (!this.containerId)
      throw spawnFailed(this.who, 'no container was created before the hub replica died.');
    const container = this.docker.getContainer(this.containerId);
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (e) {
      if (status(e) === 404)
        throw spawnFailed(this.who, `the container ${this.name} is gone (it was not created).`);
      throw this.daemonError(`inspecting the container ${this.name}`, e);
    }
    this.containerId = info.Id;
    if (info.State.Status === 'created') {
      try {
        await container.start();
      } catch (e) {
        throw spawnFailed(this.who, `the container ${this.name} did not start: ${reason(e)}`);
      }
    }
    const addr = await addressing(this.o, this.ctx.options);
    if (addr.mode === 'host') {
      // Its free port was chosen by the replica that created it: read from its environment.
      const env = info.Config.Env.find((e) => e.startsWith('JUPYTERHUB_SERVICE_URL='));
      const port = env ? Number(new URL(env.slice(env.indexOf('=') + 1)).port) : 0;
      if (port) addr.port = port;
    }
    return { url: await this.waitForServer(container, addr) };
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
