/**
 * A test node agent: the scheduler's and the kubelet's part for test/helpers/kube-cluster.ts, so
 * that pods created on the real API server really run, as local processes.
 *
 * - Registers a Node (Ready, InternalIP 127.0.0.1, labels kubernetes.io/hostname|os|arch + yours).
 * - Watches all pods (client-node informer: one list + watch, no polling). A pod without
 *   spec.nodeName is bound to this node through the `binding` subresource (event Scheduled from
 *   default-scheduler), unless its nodeSelector does not match the node's labels or the
 *   "unschedulable" knob is set: then it stays Pending with PodScheduled=False/Unschedulable and a
 *   FailedScheduling event carrying the scheduler's message.
 * - Runs the FIRST container of each pod bound to it: `command` + `args` ($(VAR) expanded), env
 *   (value, valueFrom fieldRef/secretKeyRef/configMapKeyRef, envFrom), workingDir, as a local
 *   process (own process group) on the pod's own loopback address 127.0.0.N = its pod IP. Every
 *   `0.0.0.0` in args and env values is replaced by the pod IP (KubeSpawner passes --ip=0.0.0.0
 *   and JUPYTERHUB_SERVICE_URL=http://0.0.0.0:8888/...), so pods listening on the same port do not
 *   collide. The process env is only the pod's: PATH (the image's, see `images`, else this
 *   process's), HOME (a scratch folder per pod unless the image sets one), HOSTNAME = pod name,
 *   KUBERNETES_SERVICE_HOST/PORT (the API server) and the container's env — nothing else of the
 *   test process. When the tests run as root, the process runs as securityContext.runAsUser (gid:
 *   runAsGroup, else fsGroup, else 0). Init containers, sidecars (other containers), volumes,
 *   liveness/exec probes, supplemental groups and resources are not enacted.
 * - Reports status like a kubelet: Pending/ContainerCreating → Running with podIP/podIPs, Ready
 *   conditions (once a tcpSocket/httpGet readiness probe passes, if there is one) and container
 *   state running; exit → Succeeded/Failed (restartPolicy Never, or OnFailure with exit 0) or a
 *   restart after a back-off with CrashLoopBackOff and restartCount.
 *   Events: Scheduled, Pulling, Pulled, Created, Started, Killing, BackOff, Failed.
 * - Honours deletion: on metadata.deletionTimestamp, event Killing, SIGTERM to the process group,
 *   SIGKILL after the pod's deletion grace period, then deletes the pod with gracePeriodSeconds=0.
 * - Error knobs: failImagePull(image) (Pulling → Failed "Failed to pull image…" → ErrImagePull →
 *   ImagePullBackOff, pod stays Pending) and setUnschedulable(message).
 *
 *   const agent = await startKubeNodeAgent(cluster.kubeConfig(), {
 *     images: { 'quay.io/jupyter/base-notebook': { path: ['/abs/.venv-singleuser6/bin'] } },
 *   });
 *   ...
 *   await agent.stop();
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {
  DEFAULT_UNSCHEDULABLE,
  SELECTOR_MISMATCH,
  cond,
  kill,
  merge,
  podAddress,
  portFree,
  registerNode,
  sleep,
  statusCode,
  type NodeAgentImage,
  type PodState,
} from './kube-node-agent-lib.js';
import { kubelet } from './kube-node-agent-kubelet.js';

export type { NodeAgentImage };

export interface NodeAgentOptions {
  /** Node name (default labhub-test-node). */
  nodeName?: string;
  /** Extra node labels (nodeSelector is checked against them). */
  labels?: Record<string, string>;
  /** What an image provides locally, by image reference. Unknown images: this process's PATH. */
  images?: Record<string, NodeAgentImage>;
  /** Pod IPs are podAddress(N) with N in [first, last] (default 10..250: 127.0.0.N; more: 127.0.1.N…), start at random. */
  ipRange?: [number, number];
}

export interface KubeNodeAgent {
  nodeName: string;
  /** Pull of this image fails from now on (message like containerd's "not found"). */
  failImagePull(image: string, message?: string): void;
  /** Refuse to schedule new pods with this scheduler message (default: Insufficient cpu; null: schedule again, retrying the pending ones). */
  setUnschedulable(message?: string | null): void;
  /** stdout+stderr of the pod's container so far ('' when none). */
  logs(namespace: string, name: string): string;
  /** Errors the agent met while acting on pods (a test asserts there are none). */
  errors(): string[];
  /** Container processes it runs now. */
  processes(): number;
  /** Pod IP given to a pod (undefined when not running). */
  podIP(namespace: string, name: string): string | undefined;
  /** Stops watching and kills the processes it started (pods are left as they are). */
  stop(): Promise<void>;
}
export async function startKubeNodeAgent(
  kc: k8s.KubeConfig,
  options: NodeAgentOptions = {},
): Promise<KubeNodeAgent> {
  const nodeName = options.nodeName ?? 'labhub-test-node';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const server = new URL(kc.getCurrentCluster()?.server ?? 'https://127.0.0.1:443');
  const dir = mkdtempSync(join(tmpdir(), 'labhub-kube-node-'));
  chmodSync(dir, 0o755); // pods may run as another user (runAsUser) and need their HOME in here
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    ...options.labels,
  };
  const images = options.images ?? {};
  const pullFailures = new Map<string, string>();
  let unschedulable: string | null = null;
  const pods = new Map<string, PodState>();
  const usedIPs = new Set<string>();
  const [ipFirst, ipLast] = options.ipRange ?? [10, 250];
  let nextIP = ipFirst + Math.floor(Math.random() * (ipLast - ipFirst + 1));
  let stopped = false;
  const errors: string[] = [];

  await registerNode(core, nodeName, labels);

  // --- helpers --------------------------------------------------------------------------
  async function event(
    pod: k8s.V1Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component = 'kubelet',
    fieldPath?: string,
  ): Promise<void> {
    const t = new Date();
    const ns = pod.metadata!.namespace!;
    try {
      await core.createNamespacedEvent({
        namespace: ns,
        body: {
          metadata: {
            name: `${pod.metadata!.name}.${randomBytes(8).toString('hex')}`,
            namespace: ns,
          },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            namespace: ns,
            name: pod.metadata!.name,
            uid: pod.metadata!.uid,
            resourceVersion: pod.metadata!.resourceVersion,
            fieldPath,
          },
          reason,
          message,
          type,
          source: component === 'kubelet' ? { component, host: nodeName } : { component },
          firstTimestamp: t,
          lastTimestamp: t,
          count: 1,
          reportingComponent: component,
          reportingInstance: component === 'kubelet' ? nodeName : `${component}-${nodeName}`,
        },
      });
    } catch {
      // the namespace may be going away; events are best effort, like a kubelet's
    }
  }

  async function patchStatus(st: PodState, status: Record<string, unknown>): Promise<void> {
    if (st.phase === 'gone') return;
    try {
      await core.patchNamespacedPodStatus(
        { namespace: st.pod.metadata!.namespace!, name: st.pod.metadata!.name!, body: { status } },
        merge,
      );
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }

  async function allocateIP(pod: k8s.V1Pod): Promise<string> {
    const ports = (pod.spec!.containers[0].ports ?? []).map((p) => p.containerPort);
    for (let i = 0; i <= ipLast - ipFirst; i++) {
      const n = nextIP;
      nextIP = nextIP >= ipLast ? ipFirst : nextIP + 1;
      if ((n & 255) === 0 || (n & 255) === 255) continue;
      const ip = podAddress(n);
      if (usedIPs.has(ip)) continue;
      let free = true;
      for (const port of ports) if (!(await portFree(ip, port))) free = false;
      if (!free) continue;
      usedIPs.add(ip);
      return ip;
    }
    throw new Error(`no free pod IP left in ${podAddress(ipFirst)}..${podAddress(ipLast)}`);
  }

  // --- scheduling -----------------------------------------------------------------------
  async function schedule(st: PodState): Promise<void> {
    const pod = st.pod;
    const selector = pod.spec?.nodeSelector ?? {};
    const mismatch = Object.entries(selector).some(([k, v]) => labels[k] !== v);
    const refusal = mismatch ? SELECTOR_MISMATCH : unschedulable;
    if (refusal) {
      if (st.unschedulableReported === refusal) return;
      st.unschedulableReported = refusal;
      // the event first: whoever sees the status can find the event already
      await event(pod, 'Warning', 'FailedScheduling', refusal, 'default-scheduler');
      await patchStatus(st, {
        phase: 'Pending',
        conditions: [cond('PodScheduled', 'False', { reason: 'Unschedulable', message: refusal })],
      });
      return;
    }
    try {
      await core.createNamespacedPodBinding({
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body: {
          metadata: { name: pod.metadata!.name },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        },
      });
    } catch (err) {
      // 409: bound meanwhile (another agent); 404: deleted meanwhile
      if (statusCode(err) === 409 || statusCode(err) === 404) return;
      throw err;
    }
    st.phase = 'pending';
    await event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata!.namespace}/${pod.metadata!.name} to ${nodeName}`,
      'default-scheduler',
    );
  }

  const { start, terminate } = kubelet({
    core,
    nodeName,
    server,
    images,
    pullFailures,
    usedIPs,
    event,
    patchStatus,
    enqueue,
    allocateIP,
  });

  // --- reconciling ----------------------------------------------------------------------
  function enqueue(st: PodState, work: () => Promise<void>): void {
    st.chain = st.chain.then(work).catch((err: unknown) => {
      if (stopped) return;
      const line = `kube-node-agent: pod ${st.key}: ${(err as Error)?.stack ?? String(err)}`;
      errors.push(line);
      console.error(line);
    });
  }

  function reconcile(st: PodState): Promise<void> {
    if (stopped || st.phase === 'gone') return Promise.resolve();
    const pod = st.pod;
    const bound = pod.spec?.nodeName;
    if (!bound) {
      if (pod.metadata?.deletionTimestamp) return Promise.resolve();
      return schedule(st);
    }
    if (bound !== nodeName) return Promise.resolve();
    if (pod.metadata?.deletionTimestamp)
      return st.phase === 'deleting' ? Promise.resolve() : terminate(st);
    if (st.phase === 'new' || st.phase === 'pending') {
      // A pod already Succeeded/Failed when this agent starts is left alone.
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Running') {
        st.phase = 'done';
        return Promise.resolve();
      }
      return start(st);
    }
    return Promise.resolve();
  }

  function podKey(pod: k8s.V1Pod): string {
    return pod.metadata!.uid!;
  }

  function onPod(pod: k8s.V1Pod): void {
    const key = podKey(pod);
    let st = pods.get(key);
    if (!st) {
      // pods bound to another node are not this agent's business
      if (pod.spec?.nodeName && pod.spec.nodeName !== nodeName) return;
      const name = `${pod.metadata!.namespace}_${pod.metadata!.name}`;
      const home = join(dir, name);
      mkdirSync(home, { recursive: true });
      st = {
        key,
        pod,
        phase: 'new',
        chain: Promise.resolve(),
        restarts: 0,
        logFile: join(dir, `${name}.log`),
        home,
      };
      pods.set(key, st);
    }
    st.pod = pod;
    const s = st;
    enqueue(s, () => reconcile(s));
  }

  function onDelete(pod: k8s.V1Pod): void {
    const st = pods.get(podKey(pod));
    if (!st) return;
    clearTimeout(st.timer);
    const proc = st.proc;
    st.proc = undefined;
    st.phase = 'gone';
    if (proc) void kill(proc, 0);
    if (st.ip) usedIPs.delete(st.ip);
  }

  const informer = k8s.makeInformer<k8s.V1Pod>(kc, '/api/v1/pods', () =>
    core.listPodForAllNamespaces(),
  );
  informer.on('add', onPod);
  informer.on('update', onPod);
  informer.on('delete', onDelete);
  informer.on('error', () => {
    if (stopped) return;
    setTimeout(() => {
      if (!stopped) void informer.start().catch(() => undefined);
    }, 500);
  });
  await informer.start();

  const byName = (namespace: string, name: string) =>
    [...pods.values()]
      .filter(
        (s) =>
          s.pod.metadata!.namespace === namespace &&
          s.pod.metadata!.name === name &&
          s.phase !== 'gone',
      )
      .at(-1);

  return {
    nodeName,
    failImagePull(image, message) {
      pullFailures.set(
        image,
        message ??
          `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
      );
    },
    setUnschedulable(message = DEFAULT_UNSCHEDULABLE) {
      unschedulable = message;
      if (message === null)
        for (const st of pods.values())
          if (!st.pod.spec?.nodeName && st.phase !== 'gone') {
            st.unschedulableReported = undefined;
            enqueue(st, () => reconcile(st));
          }
    },
    logs(namespace, name) {
      const st =
        byName(namespace, name) ??
        [...pods.values()]
          .filter((s) => s.pod.metadata!.namespace === namespace && s.pod.metadata!.name === name)
          .at(-1);
      return st && existsSync(st.logFile) ? readFileSync(st.logFile, 'utf8') : '';
    },
    errors: () => [...errors],
    processes: () => [...pods.values()].filter((s) => s.proc).length,
    podIP(namespace, name) {
      return byName(namespace, name)?.ip;
    },
    async stop() {
      stopped = true;
      await informer.stop();
      const waits: Promise<void>[] = [];
      for (const st of pods.values()) {
        clearTimeout(st.timer);
        if (st.proc) waits.push(kill(st.proc, 2));
        st.proc = undefined;
      }
      await Promise.all(waits);
      await sleep(0);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
