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
import type { CoreV1Event } from '@kubernetes/client-node';
import type * as k8s from '@kubernetes/client-node';
import { kube } from './client-lib.js';
import { HubError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { JsonObject } from '../../util/json.js';
import { withServiceUrl } from '../spawn-env.js';
import { tcpAccepts } from '../proc.js';
import type { ServerUsage, Spawner, SpawnerContext, SpawnProgress } from '../types.js';
import { podMetricsReader } from './usage.js';
import {
  apiMessage,
  apiStatus,
  clusterFor,
  inClusterNamespace,
  type KubeCluster,
  type Pod,
  type PodWatch,
} from './cluster.js';
import { expandAll, expandTemplate, templateFields, type NameSubject } from './names.js';
import { podManifest, pvcManifest, serviceManifest, type ServerIdentity } from './manifests.js';
import { kubeOptions, optionsForSpawn, type KubeOptions } from './options.js';
import {
  eventLine,
  exitStatusOf,
  isPodRunning,
  isPodStopped,
  podFailure,
  unschedulableMessage,
} from './pod-status.js';
import { hubEnvForPod } from './pod-env.js';

const DEFAULT_PORT = 8888;
/** How long stop() waits for a deleted pod to disappear (beyond its grace period). */
const STOP_WAIT_S = 30;

export class KubeSpawner implements Spawner {
  private readonly log: Logger;
  private readonly who: string;
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
  private stopRequested = false;
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

  private link(): KubeCluster {
    this.cluster ??= clusterFor(this.configured.kubeconfig, this.log);
    return this.cluster;
  }

  private emit(message: string, progress?: number): void {
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
    this.stopRequested = false;
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

  private cancelled(): HubError {
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
    await watch.ready();
    if (m.pvc) {
      try {
        await api.createNamespacedPersistentVolumeClaim({
          namespace: m.namespace,
          body: m.pvc as k8s.V1PersistentVolumeClaim,
        });
        this.emit(`PersistentVolumeClaim ${m.id.pvcName} created`);
      } catch (e) {
        if (apiStatus(e) !== 409) throw this.refused('the PersistentVolumeClaim', m.id.pvcName, e);
      }
    }
    this.state.pvcName = m.id.pvcName;
    if (this.stopRequested) throw this.cancelled();

    const created = await this.createPod(api, watch, m.namespace, m.pod as k8s.V1Pod);
    this.createdUid = created.metadata!.uid!;
    if (this.stopRequested) throw this.cancelled();
    this.emit(`Pod ${m.namespace}/${m.id.podName} created`);
    if (o.services_enabled)
      await this.ensureService(
        api,
        m.namespace,
        serviceManifest(o, m.id, m.port, {
          name: m.id.podName,
          uid: created.metadata!.uid!,
        }),
      );
    const stopEvents = o.events_enabled
      ? this.followEvents(cluster.kc, m.namespace, created.metadata!.uid!)
      : () => undefined;
    try {
      const pod = await this.waitRunning(watch, m.id.podName, created.metadata!.uid!);
      const host = o.services_enabled ? m.dnsName : pod.status!.podIP!;
      const port = podPort(pod) ?? m.port;
      await this.waitListening(watch, m.id.podName, host, port);
      return { url: `http://${bracket(host)}:${port}` };
    } finally {
      stopEvents();
    }
  }

  private refused(what: string, name: string, e: unknown): HubError {
    const status = apiStatus(e);
    const msg = apiMessage(e);
    const quota = /exceeded quota/i.test(msg)
      ? ' (a ResourceQuota of the namespace is used up)'
      : '';
    return new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      500,
      `The cluster refused ${what} ${name} of ${this.who}${quota}: ${msg}${status ? ` (HTTP ${status})` : ''}`,
    );
  }

  /** Creates the pod; a stopped or terminating pod of the same name is deleted first (once). */
  private async createPod(
    api: k8s.CoreV1Api,
    watch: PodWatch,
    namespace: string,
    body: k8s.V1Pod,
  ): Promise<Pod> {
    const name = body.metadata!.name!;
    for (let attempt = 0; ; attempt++) {
      try {
        return await api.createNamespacedPod({ namespace, body });
      } catch (e) {
        if (apiStatus(e) !== 409 || attempt > 0)
          throw this.refused('the pod', `${namespace}/${name}`, e);
      }
      const old = watch.get(name);
      if (old && !isPodStopped(old))
        throw new HubError(
          'LABHUB_ERR_CONFLICT',
          409,
          `A pod named ${namespace}/${name} is already running for ${this.who}; stop it first.`,
        );
      this.emit(`Removing the old pod ${namespace}/${name}`);
      await this.deleteAndWait(api, watch, namespace, name, 0);
    }
  }

  private async ensureService(
    api: k8s.CoreV1Api,
    namespace: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    try {
      await api.createNamespacedService({ namespace, body: body as k8s.V1Service });
    } catch (e) {
      if (apiStatus(e) !== 409)
        throw this.refused(
          'the Service',
          `${namespace}/${String((body.metadata as { name: string }).name)}`,
          e,
        );
    }
  }

  /** Streams the pod's events into the progress while it starts. Returns the stop function. */
  private followEvents(kc: k8s.KubeConfig, namespace: string, uid: string): () => void {
    let ctrl: AbortController | null = null;
    let done = false;
    const seen = new Set<string>();
    void new (kube().Watch)(kc)
      .watch(
        `/api/v1/namespaces/${namespace}/events`,
        { fieldSelector: `involvedObject.uid=${uid}` },
        (type: string, ev: CoreV1Event) => {
          if (type !== 'ADDED' && type !== 'MODIFIED') return;
          const key = `${ev.metadata?.uid}:${ev.count ?? 1}`;
          if (seen.has(key)) return;
          seen.add(key);
          this.emit(eventLine(ev));
        },
        () => undefined,
      )
      .then(
        (c) => {
          ctrl = c;
          if (done) c.abort();
        },
        (e: unknown) => this.log.debug({ err: e }, 'event watch failed'),
      );
    return () => {
      done = true;
      ctrl?.abort();
    };
  }

  /** Waits on the shared watch until the pod runs; fails on what will not resolve itself. */
  private waitRunning(watch: PodWatch, name: string, uid: string): Promise<Pod> {
    const timeoutS = this.ctx.options.startTimeout > 0 ? this.ctx.options.startTimeout : 60;
    return new Promise<Pod>((resolve, reject) => {
      let unschedulable: string | null = null;
      let finished = false;
      const finish = (err: Error | null, pod?: Pod) => {
        if (finished) return;
        finished = true;
        unsubscribe();
        clearTimeout(timer);
        this.stopWaiter = null;
        if (err) reject(err);
        else resolve(pod!);
      };
      const check = (pod: Pod | null | undefined) => {
        if (!pod || pod.metadata?.uid !== uid) {
          if (pod === null)
            finish(
              new HubError(
                'LABHUB_ERR_SPAWN_FAILED',
                500,
                `The pod of ${this.who} was deleted while starting.`,
              ),
            );
          return;
        }
        if (isPodRunning(pod)) return finish(null, pod);
        const failure = podFailure(pod);
        if (failure)
          return finish(
            new HubError(
              'LABHUB_ERR_SPAWN_FAILED',
              500,
              `The server of ${this.who} cannot start: ${failure}`,
            ),
          );
        const u = unschedulableMessage(pod);
        if (u && u !== unschedulable) this.emit(`The pod cannot be scheduled yet: ${u}`);
        unschedulable = u;
      };
      const unsubscribe = watch.subscribe(name, check);
      this.stopWaiter = () => finish(this.cancelled());
      // Just under start_timeout, so that the hub's timeout error is this clearer one.
      const timer = setTimeout(
        () =>
          finish(
            new HubError(
              'LABHUB_ERR_SPAWN_TIMEOUT',
              500,
              unschedulable
                ? `The pod of ${this.who} was not scheduled within ${timeoutS} s (Spawner.start_timeout): ${unschedulable}`
                : `The pod of ${this.who} did not become ready within ${timeoutS} s (Spawner.start_timeout).`,
            ),
          ),
        Math.max(1, timeoutS * 1000 - 500),
      );
      timer.unref();
      check(watch.get(name));
    });
  }

  private stopWaiter: (() => void) | null = null;

  /**
   * After the pod runs: until its server accepts connections (as the local spawners resolve),
   * failing when the pod stops, is stopped, or start_timeout passes.
   */
  private async waitListening(
    watch: PodWatch,
    name: string,
    host: string,
    port: number,
  ): Promise<void> {
    const timeoutS = this.ctx.options.startTimeout > 0 ? this.ctx.options.startTimeout : 60;
    const deadline = Date.now() + timeoutS * 1000 - 500;
    for (;;) {
      if (this.stopRequested) throw this.cancelled();
      const pod = watch.get(name);
      const failure = pod ? podFailure(pod) : 'the pod was deleted';
      if (failure || !pod || isPodStopped(pod))
        throw new HubError(
          'LABHUB_ERR_SPAWN_FAILED',
          500,
          `The server of ${this.who} cannot start: ${failure ?? 'the pod stopped'}`,
        );
      if (await tcpAccepts(host, port, 500)) return;
      if (Date.now() > deadline)
        throw new HubError(
          'LABHUB_ERR_SPAWN_TIMEOUT',
          500,
          `The server of ${this.who} did not listen on ${host}:${port} within ${timeoutS} s (Spawner.start_timeout).`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(opts: { now?: boolean } = {}): Promise<void> {
    if (this.starting) {
      this.stopRequested = true;
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
    await this.deleteAndWait(
      cluster.core,
      watch,
      s.namespace,
      s.podName,
      now ? 0 : this.configured.delete_grace_period,
    );
  }

  private async deleteAndWait(
    api: k8s.CoreV1Api,
    watch: PodWatch,
    namespace: string,
    name: string,
    grace: number,
  ): Promise<void> {
    const gone = new Promise<void>((resolve) => {
      const unsub = watch.subscribe(name, (p) => {
        if (p === null) {
          unsub();
          resolve();
        }
      });
      if (!watch.get(name)) {
        unsub();
        resolve();
      }
    });
    try {
      await api.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: grace });
    } catch (e) {
      if (apiStatus(e) !== 404)
        throw new HubError(
          'LABHUB_ERR_SPAWN_FAILED',
          500,
          `Cannot delete the pod ${namespace}/${name}: ${apiMessage(e)}`,
        );
      // Not found: it may still be in the cache until its DELETED event arrives.
    }
    const limit = (grace + STOP_WAIT_S) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      gone.then(() => true),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), limit);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (!ok)
      this.log.warn(
        `The pod ${namespace}/${name} was still there ${limit / 1000} s after its deletion`,
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

function bracket(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** The `notebook-port` of the pod's containers (KubeSpawner's _get_pod_port). */
function podPort(pod: Pod): number | null {
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === 'notebook-port') return p.containerPort;
  return null;
}
