/**
 * The hub's link to one Kubernetes API server: the client configuration (a kubeconfig file, or
 * the pod's service account when the hub runs in the cluster) and ONE shared watch (informer:
 * list, then watch) of the pods the hub owns per namespace, selected by the `component` label.
 * Every server's spawner reads its pod from that cache and is woken by its changes: no request
 * per server while servers run, so the hub's work follows what changes, not how many run.
 */
import type * as k8s from '@kubernetes/client-node';
import { kube } from './client-lib.js';
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { HubError } from '../../errors.js';
import type { Logger } from '../../log.js';

export type Pod = k8s.V1Pod;
type PodListener = (pod: Pod | null) => void;

/** Where the client configuration comes from: an explicit file, else in-cluster, else default. */
export function loadKubeConfig(kubeconfig: string): k8s.KubeConfig {
  const kc = new (kube().KubeConfig)();
  try {
    if (kubeconfig) {
      if (!existsSync(kubeconfig))
        throw new Error(`the file ${kubeconfig} (KubeSpawner.kubeconfig) does not exist`);
      kc.loadFromFile(kubeconfig);
    } else if (process.env.KUBERNETES_SERVICE_HOST) loadInCluster(kc);
    else kc.loadFromDefault();
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Cannot load the Kubernetes client configuration: ${(e as Error).message}. Set KubeSpawner.kubeconfig to a kubeconfig file, or run the hub in the cluster with a service account.`,
    );
  }
  if (!kc.getCurrentCluster())
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      'No Kubernetes cluster configured: set KubeSpawner.kubeconfig (or $KUBECONFIG), or run the hub in the cluster with a service account.',
    );
  return kc;
}

/**
 * The folder of the pod's service account (token, ca.crt, namespace), where the kubelet mounts
 * it. LABHUB_KUBE_SERVICEACCOUNT_DIR moves it: for tests, which write the three files of a real
 * service account's token into a scratch folder (test/kubernetes/in-cluster.test.ts).
 */
export function serviceAccountDir(): string {
  return (
    process.env.LABHUB_KUBE_SERVICEACCOUNT_DIR || '/var/run/secrets/kubernetes.io/serviceaccount'
  );
}

/**
 * In-cluster configuration, as client-go's: the API server at
 * KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT, verified with the service account's ca.crt,
 * authenticated with its token — re-read from the file as the kubelet rotates it.
 */
function loadInCluster(kc: k8s.KubeConfig): void {
  const dir = serviceAccountDir();
  const host = process.env.KUBERNETES_SERVICE_HOST!;
  const port = process.env.KUBERNETES_SERVICE_PORT || '443';
  for (const f of ['token', 'ca.crt'])
    if (!existsSync(join(dir, f)))
      throw new Error(
        `KUBERNETES_SERVICE_HOST is set (the hub runs in a pod) but ${join(dir, f)} does not exist: is a service account token mounted into the hub's pod (automountServiceAccountToken)?`,
      );
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [
      {
        name: 'service-account',
        authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } },
      },
    ],
    contexts: [
      {
        name: 'in-cluster',
        cluster: 'in-cluster',
        user: 'service-account',
        namespace: inClusterNamespace() ?? undefined,
      },
    ],
    currentContext: 'in-cluster',
  });
}

/** The namespace of the hub's own pod (its service account), or null outside a cluster. */
export function inClusterNamespace(): string | null {
  try {
    return readFileSync(join(serviceAccountDir(), 'namespace'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The message of a failed API call (the API server's Status message when there is one). */
export function apiMessage(e: unknown): string {
  if (e instanceof kube().ApiException) {
    const body: unknown = e.body;
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
      if (parsed?.message) return parsed.message;
    } catch {
      /* not JSON */
    }
    return `HTTP ${e.code}`;
  }
  return (e as Error)?.message ?? String(e);
}

/** HTTP status of a failed API call, or 0. */
export function apiStatus(e: unknown): number {
  return e instanceof kube().ApiException ? e.code : 0;
}

/** The shared pod watch of one namespace. */
export class PodWatch {
  private readonly informer: k8s.Informer<Pod> & k8s.ObjectCache<Pod>;
  private readonly listeners = new Map<string, Set<PodListener>>();
  private started: Promise<void> | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: k8s.CoreV1Api,
    kc: k8s.KubeConfig,
    readonly namespace: string,
    readonly labelSelector: string,
    private readonly log: Logger,
  ) {
    this.informer = kube().makeInformer<Pod>(
      kc,
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.api.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
    );
    const fire = (pod: Pod, gone: boolean) => {
      const name = pod.metadata?.name;
      if (!name) return;
      for (const l of [...(this.listeners.get(name) ?? [])]) l(gone ? null : pod);
    };
    this.informer.on('add', (p) => fire(p, false));
    this.informer.on('update', (p) => fire(p, false));
    this.informer.on('delete', (p) => fire(p, true));
    this.informer.on('error', (err: unknown) => {
      if (this.closed) return;
      this.log.warn(
        { err },
        `The watch of pods in namespace ${namespace} ended (${apiMessage(err)}); restarting it in 1 s`,
      );
      this.retry = setTimeout(() => {
        this.retry = null;
        if (!this.closed) void this.informer.start().catch(() => undefined);
      }, 1000);
      this.retry.unref();
    });
  }

  /** Resolves once the first list is in the cache (starts the watch on first use). */
  ready(): Promise<void> {
    this.started ??= this.informer.start().catch((e: unknown) => {
      this.started = null;
      throw new HubError(
        'LABHUB_ERR_SPAWN_FAILED',
        500,
        `Cannot watch the pods in namespace ${this.namespace}: ${apiMessage(e)}`,
      );
    });
    return this.started;
  }

  /** The cached pod (after {@link ready}), or undefined. */
  get(name: string): Pod | undefined {
    return this.informer.get(name, this.namespace);
  }

  /** Calls `cb` with each change of pod `name` (null: deleted). Returns the unsubscribe. */
  subscribe(name: string, cb: PodListener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
      if (!set.size) this.listeners.delete(name);
    };
  }

  /** Number of pods in the cache (for tests and metrics). */
  size(): number {
    return this.informer.list(this.namespace).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer.stop().catch(() => undefined);
  }
}

type EventListener = (ev: k8s.CoreV1Event) => void;

/**
 * The shared watch of the events of one namespace (KubeSpawner's events reflector): a starting
 * server follows its pod's events through it, so a start costs no request of its own for them.
 */
export class EventWatch {
  private readonly informer: k8s.Informer<k8s.CoreV1Event> & k8s.ObjectCache<k8s.CoreV1Event>;
  private readonly listeners = new Map<string, Set<EventListener>>();
  private started: Promise<void> | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private live = false;

  constructor(
    api: k8s.CoreV1Api,
    kc: k8s.KubeConfig,
    readonly namespace: string,
    log: Logger,
  ) {
    this.informer = kube().makeInformer<k8s.CoreV1Event>(
      kc,
      `/api/v1/namespaces/${namespace}/events`,
      () => api.listNamespacedEvent({ namespace }),
    );
    const fire = (ev: k8s.CoreV1Event) => {
      const uid = ev.involvedObject?.uid;
      if (uid) for (const l of [...(this.listeners.get(uid) ?? [])]) l(ev);
    };
    this.informer.on('add', fire);
    this.informer.on('update', fire);
    this.informer.on('error', (err: unknown) => {
      // Only a watch that once ran is restarted; a refused first list fails ready() instead.
      if (this.closed || !this.live) return;
      log.warn(
        { err },
        `The watch of events in namespace ${namespace} ended (${apiMessage(err)}); restarting it in 1 s`,
      );
      this.retry = setTimeout(() => {
        this.retry = null;
        if (!this.closed) void this.informer.start().catch(() => undefined);
      }, 1000);
      this.retry.unref();
    });
  }

  /** Resolves once the first list is in the cache (starts the watch on first use). */
  ready(): Promise<void> {
    this.started ??= this.informer.start().then(
      () => {
        this.live = true;
      },
      (e: unknown) => {
        this.started = null;
        throw e;
      },
    );
    return this.started;
  }

  /** Calls `cb` with each event of the object `uid`: those already cached, then each new one. */
  subscribe(uid: string, cb: EventListener): () => void {
    let set = this.listeners.get(uid);
    if (!set) this.listeners.set(uid, (set = new Set()));
    set.add(cb);
    for (const ev of this.informer.list(this.namespace)) if (ev.involvedObject?.uid === uid) cb(ev);
    return () => {
      set.delete(cb);
      if (!set.size) this.listeners.delete(uid);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer.stop().catch(() => undefined);
  }
}

/** One API server: its clients and one pod watch (and one event watch) per namespace. */
export class KubeCluster {
  readonly core: k8s.CoreV1Api;
  private readonly watches = new Map<string, PodWatch>();
  private readonly eventWatches = new Map<string, EventWatch>();

  constructor(
    readonly kc: k8s.KubeConfig,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(kube().CoreV1Api);
  }

  /** The shared watch of `namespace` for pods labelled `component=<componentLabel>`. */
  pods(namespace: string, componentLabel: string): PodWatch {
    const selector = `component=${componentLabel}`;
    const key = `${namespace}\n${selector}`;
    let w = this.watches.get(key);
    if (!w) {
      w = new PodWatch(this.core, this.kc, namespace, selector, this.log);
      this.watches.set(key, w);
    }
    return w;
  }

  /** The shared watch of the events of `namespace`. */
  events(namespace: string): EventWatch {
    let w = this.eventWatches.get(namespace);
    if (!w) {
      w = new EventWatch(this.core, this.kc, namespace, this.log);
      this.eventWatches.set(namespace, w);
    }
    return w;
  }

  /** Watches open now (for tests: one per namespace whatever the number of servers). */
  watchCount(): number {
    return this.watches.size;
  }

  async close(): Promise<void> {
    const all = [...this.watches.values(), ...this.eventWatches.values()];
    this.watches.clear();
    this.eventWatches.clear();
    await Promise.all(all.map((w) => w.close()));
  }
}

const clusters = new Map<string, KubeCluster>();

/** The process-wide link for a kubeconfig setting ('' = in-cluster/default). */
export function clusterFor(kubeconfig: string, log: Logger): KubeCluster {
  let c = clusters.get(kubeconfig);
  if (!c) {
    c = new KubeCluster(loadKubeConfig(kubeconfig), log);
    clusters.set(kubeconfig, c);
  }
  return c;
}

/** Ends every watch (hub shutdown; tests simulating a hub restart). */
export async function closeClusters(): Promise<void> {
  const all = [...clusters.values()];
  clusters.clear();
  await Promise.all(all.map((c) => c.close()));
}
