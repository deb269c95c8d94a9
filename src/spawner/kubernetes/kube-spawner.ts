/**
 * One server as a Kubernetes pod (KubeSpawner 7's behaviour on labhub's Spawner interface).
 *
 * start(): the options of the chosen profile, the PVC when storage_pvc_ensure, the pod (a pod of
 * the same name that is stopped or being deleted is removed first), the Service when
 * services_enabled; then it waits on the shared pod watch (cluster.ts) until the pod runs, with
 * the pod's events as progress, and resolves with `http://<pod IP>:<port>`. It fails at once,
 * with the cluster's message, when the API refuses the pod (e.g. a ResourceQuota exceeded), an
 * image cannot be pulled or a container cannot start; when the pod is still unschedulable at
 * start_timeout, the error carries the scheduler's message.
 * stop(): deletes the pod (grace delete_grace_period, 0 with `now`) and waits for it to go.
 * poll(): reads the watch's cache — no request per server.
 * State: `pod_name`, `namespace`, `dns_name`, `pvc_name` (KubeSpawner's keys), so a restarted hub
 * finds its pods again even after a template change.
 */
import type * as k8s from '@kubernetes/client-node';
import { HubError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { JsonObject } from '../../util/json.js';
import { withServiceUrl } from '../spawn-env.js';
import type { ServerUsage, Spawner, SpawnerContext, SpawnProgress } from '../types.js';
import { podMetricsReader } from './usage.js';
import {
  apiMessage,
  apiStatus,
  clusterFor,
  inClusterNamespace,
  type EventWatch,
  type KubeCluster,
} from './cluster.js';
import { expandAll, expandTemplate, templateFields, type NameSubject } from './names.js';
import { podManifest, pvcManifest, serviceManifest, type ServerIdentity } from './manifests.js';
import { kubeOptions, optionsForSpawn, type KubeOptions } from './options.js';
import { exitStatusOf, isPodStopped } from './pod-status.js';
import { hubEnvForPod } from './pod-env.js';
import { createPod, deleteAndWait, ensureService, refused } from './pod-ops.js';
import { resumePod } from './pod-resume.js';
import {
  bracket,
  followEvents,
  podPort,
  waitListening,
  waitRunning,
  type StartSession,
} from './pod-wait.js';

const DEFAULT_PORT = 8888;

export class KubeSpawner implements Spawner, StartSession {
  readonly log: Logger;
  readonly who: string;
  private readonly configured: KubeOptions;
  private state: {
    podName: string;
    namespace: string;
    dnsName: string;
    pvcName: string | null;
  } | null = null;
  private events: SpawnProgress[] = [];
  private waiters = new Set<() => void>();
  private starting = false;
  private stopAsked = false;
  private stopWaiter: (() => void) | null = null;
  private cluster: KubeCluster | null = null;
  /** uid of the pod the current start created (null before it exists). */
  private createdUid: string | null = null;

  constructor(private readonly ctx: SpawnerContext) {
    this.log = ctx.log.child({
      spawner: 'kubernetes',
      user: ctx.user.name,
      server: ctx.serverName,
    });
    this.who = ctx.serverName ? `${ctx.user.name}/${ctx.serverName}` : ctx.user.name;
    this.configured = kubeOptions(ctx.options.extra);
  }

  get startTimeout(): number {
    return this.ctx.options.startTimeout;
  }

  stopRequested(): boolean {
    return this.stopAsked;
  }

  onStop(fn: (() => void) | null): void {
    this.stopWaiter = fn;
  }

  private link(): KubeCluster {
    this.cluster ??= clusterFor(this.configured.kubeconfig, this.log);
    return this.cluster;
  }

  emit(message: string, progress?: number): void {
    this.events.push(progress === undefined ? { message } : { progress, message });
    this.wake();
  }

  private wake(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const f of w) f();
  }

  private subject(o: KubeOptions, namespace: string): NameSubject {
    return {
      userId: this.ctx.user.id,
      userName: this.ctx.user.name,
      serverName: this.ctx.serverName,
      hubNamespace: hubNamespace(),
      slugScheme: o.slug_scheme,
      namespace,
    };
  }

  /** Names and template fields of this server for the options `o` (namespace first, then pod, PVC). */
  identity(o: KubeOptions): { id: ServerIdentity; namespace: string; dnsName: string } {
    const ns0 = o.namespace || hubNamespace();
    const subj = this.subject(o, ns0);
    const podName = expandTemplate(o.pod_name_template, templateFields(subj));
    const remembered = o.remember_pvc_name && this.state?.pvcName ? this.state.pvcName : null;
    const pvcName =
      remembered ?? expandTemplate(o.pvc_name_template, templateFields({ ...subj, podName }));
    const fields = templateFields({ ...subj, podName, pvcName });
    const dnsName = o.dns_name_template
      .replace(/\{name\}/g, podName)
      .replace(/\{namespace\}/g, ns0);
    return {
      id: {
        userName: this.ctx.user.name,
        serverName: this.ctx.serverName,
        podName,
        pvcName,
        fields,
      },
      namespace: ns0,
      dnsName,
    };
  }

  /** The manifests of a start, without touching the cluster (the parity test compares them). */
  manifests(userOptions?: JsonObject | null): {
    options: KubeOptions;
    namespace: string;
    dnsName: string;
    pod: Record<string, unknown>;
    pvc: Record<string, unknown> | null;
    id: ServerIdentity;
    port: number;
  } {
    const o = optionsForSpawn(this.configured, userOptions ?? this.ctx.userOptions ?? null);
    const { id, namespace, dnsName } = this.identity(o);
    const port = o.port > 0 ? o.port : DEFAULT_PORT;
    const cmd = o.cmd.length ? [...o.cmd, ...o.args] : null;
    if (!o.cmd.length && o.args.length)
      this.log.warn(
        `Ignoring arguments when using implicit command from image: ${JSON.stringify(o.args)}. Set KubeSpawner.cmd explicitly to support passing cli arguments.`,
      );
    let env = hubEnvForPod(this.ctx.hubEnv, o);
    env = withServiceUrl(env, o.ip, port);
    const fullEnv = { ...env, ...expandAll(o.environment, id.fields) };
    const pod = podManifest({ options: o, id, args: cmd, port, env: fullEnv });
    const pvc = o.storage_pvc_ensure ? pvcManifest(o, id) : null;
    return { options: o, namespace, dnsName, pod, pvc, id, port };
  }

  async start(): Promise<{ url: string }> {
    if (this.state && (await this.poll()) === null)
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `The server of ${this.who} is already running (pod ${this.state.namespace}/${this.state.podName}); stop it first.`,
      );
    this.events = [];
    this.starting = true;
    this.stopAsked = false;
    this.createdUid = null;
    try {
      return await this.doStart();
    } catch (e) {
      // Only a pod this start created is removed (never one found running under the same name).
      if (this.createdUid) await this.deletePod(true).catch(() => undefined);
      throw e;
    } finally {
      this.starting = false;
      this.wake();
    }
  }

  cancelled(): HubError {
    return new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      500,
      `The start of the server of ${this.who} was cancelled: it was stopped while starting.`,
    );
  }

  private async doStart(): Promise<{ url: string }> {
    const m = this.manifests();
    const o = m.options;
    const cluster = this.link();
    const api = cluster.core;
    const watch = cluster.pods(m.namespace, o.component_label);
    this.state = {
      podName: m.id.podName,
      namespace: m.namespace,
      dnsName: m.dnsName,
      pvcName: null,
    };
    // Saved before anything is created: a replica adopting this state finds the pod by name
    // even if this hub dies before the 200 ms save (resumeStart).
    await this.ctx.stateChanged?.();
    await watch.ready();
    let events: EventWatch | null = null;
    if (o.events_enabled) {
      events = cluster.events(m.namespace);
      // Without events the server still starts (an account that may not read them): say so once.
      await events.ready().catch((e: unknown) => {
        this.log.warn(
          { err: e },
          `Cannot watch the events of namespace ${m.namespace} (${apiMessage(e)}): the spawn progress will not show them`,
        );
      });
    }
    if (m.pvc) {
      try {
        await api.createNamespacedPersistentVolumeClaim({
          namespace: m.namespace,
          body: m.pvc as k8s.V1PersistentVolumeClaim,
        });
        this.emit(`PersistentVolumeClaim ${m.id.pvcName} created`);
      } catch (e) {
        if (apiStatus(e) !== 409) throw refused(this, 'the PersistentVolumeClaim', m.id.pvcName, e);
      }
    }
    this.state.pvcName = m.id.pvcName;
    if (this.stopAsked) throw this.cancelled();

    const created = await createPod(this, api, watch, m.namespace, m.pod as k8s.V1Pod);
    this.createdUid = created.metadata!.uid!;
    if (this.stopAsked) throw this.cancelled();
    this.emit(`Pod ${m.namespace}/${m.id.podName} created`);
    if (o.services_enabled)
      await ensureService(
        this,
        api,
        m.namespace,
        serviceManifest(o, m.id, m.port, {
          name: m.id.podName,
          uid: created.metadata!.uid!,
        }),
      );
    const stopEvents = o.events_enabled
      ? followEvents(this, events!, created.metadata!.uid!)
      : () => undefined;
    try {
      const pod = await waitRunning(this, watch, m.id.podName, created.metadata!.uid!);
      const host = o.services_enabled ? m.dnsName : pod.status!.podIP!;
      const port = podPort(pod) ?? m.port;
      await waitListening(this, watch, m.id.podName, host, port);
      return { url: `http://${bracket(host)}:${port}` };
    } finally {
      stopEvents();
    }
  }

  /** A start interrupted by a hub replica's death, from its saved state (pod-resume.ts). */
  async resumeStart(): Promise<{ url: string }> {
    const s = this.state;
    if (!s) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, `No pod of ${this.who} was saved.`);
    const o = this.configured;
    this.starting = true;
    this.stopAsked = false;
    try {
      return await resumePod(this, this.link(), s, o, {
        identity: () => this.identity(o).id,
        port: this.ctx.options.port > 0 ? this.ctx.options.port : DEFAULT_PORT,
      });
    } finally {
      this.starting = false;
      this.wake();
    }
  }

  async stop(opts: { now?: boolean } = {}): Promise<void> {
    if (this.starting) {
      this.stopAsked = true;
      this.stopWaiter?.();
    }
    if (!this.state) return;
    await this.deletePod(!!opts.now);
  }

  private async deletePod(now: boolean): Promise<void> {
    const s = this.state;
    if (!s) return;
    const cluster = this.link();
    const watch = cluster.pods(s.namespace, this.configured.component_label);
    await watch.ready();
    const pod = watch.get(s.podName);
    if (
      pod &&
      !this.configured.delete_stopped_pods &&
      isPodStopped(pod) &&
      !pod.metadata?.deletionTimestamp
    ) {
      this.log.info(
        `Leaving the stopped pod ${s.namespace}/${s.podName} (KubeSpawner.delete_stopped_pods = False)`,
      );
      return;
    }
    await deleteAndWait(
      this,
      cluster.core,
      watch,
      s.namespace,
      s.podName,
      now ? 0 : this.configured.delete_grace_period,
    );
  }

  async poll(): Promise<number | null> {
    const s = this.state;
    if (!s) return 0;
    const watch = this.link().pods(s.namespace, this.configured.component_label);
    await watch.ready();
    const pod = watch.get(s.podName);
    if (!pod) return 0;
    if (isPodStopped(pod)) return exitStatusOf(pod);
    return null;
  }

  /** CPU and memory of the pod from the metrics API, when the cluster serves it (usage.ts). */
  async usage(): Promise<ServerUsage | null> {
    const s = this.state;
    if (!s) return null;
    const watch = this.link().pods(s.namespace, this.configured.component_label);
    await watch.ready();
    const uid = watch.get(s.podName)?.metadata?.uid;
    if (!uid) return null;
    return podMetricsReader(this.link().kc, this.log).usage(s.namespace, s.podName, uid);
  }

  getState(): JsonObject {
    const s = this.state;
    if (!s) return {};
    const out: JsonObject = { pod_name: s.podName, namespace: s.namespace, dns_name: s.dnsName };
    if (s.pvcName) out.pvc_name = s.pvcName;
    return out;
  }

  loadState(s: JsonObject): void {
    this.events = [];
    if (typeof s.pod_name !== 'string' || !s.pod_name) {
      this.state = null;
      return;
    }
    const namespace =
      typeof s.namespace === 'string' && s.namespace
        ? s.namespace
        : this.configured.namespace || hubNamespace();
    this.state = {
      podName: s.pod_name,
      namespace,
      dnsName: typeof s.dns_name === 'string' ? s.dns_name : '',
      pvcName: typeof s.pvc_name === 'string' ? s.pvc_name : null,
    };
  }

  async *progress(): AsyncIterable<SpawnProgress> {
    let i = 0;
    for (;;) {
      while (i < this.events.length) yield this.events[i++]!;
      if (!this.starting) return;
      await new Promise<void>((r) => this.waiters.add(r));
    }
  }
}

/** The hub's namespace: its pod's own in a cluster, else `default` (KubeSpawner's rule). */
function hubNamespace(): string {
  return inClusterNamespace() ?? 'default';
}
