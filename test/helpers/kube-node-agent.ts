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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';

export interface NodeAgentImage {
  /** Folders put first on PATH for this image (e.g. a venv's bin). */
  path?: string[];
  /** The image's entrypoint, used when the container has no `command`. */
  command?: string[];
  /** The image's environment (overridden by the container's env). */
  env?: Record<string, string>;
  /** The image's HOME (default: a scratch folder per pod). */
  home?: string;
}

export interface NodeAgentOptions {
  /** Node name (default labhub-test-node). */
  nodeName?: string;
  /** Extra node labels (nodeSelector is checked against them). */
  labels?: Record<string, string>;
  /** What an image provides locally, by image reference. Unknown images: this process's PATH. */
  images?: Record<string, NodeAgentImage>;
  /** Pod IPs are 127.0.0.N with N in [first, last] (default 10..250, start at random). */
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
  /** Pod IP given to a pod (undefined when not running). */
  podIP(namespace: string, name: string): string | undefined;
  /** Stops watching and kills the processes it started (pods are left as they are). */
  stop(): Promise<void>;
}

type Phase = 'new' | 'pending' | 'starting' | 'running' | 'backoff' | 'done' | 'deleting' | 'gone';

interface PodState {
  key: string;
  pod: k8s.V1Pod;
  phase: Phase;
  chain: Promise<void>;
  proc?: ChildProcess;
  ip?: string;
  restarts: number;
  startedAt?: Date;
  lastTerminated?: Record<string, unknown>;
  unschedulableReported?: string;
  timer?: NodeJS.Timeout;
  logFile: string;
  home: string;
}

const DEFAULT_UNSCHEDULABLE =
  '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: ' +
  '1 No preemption victims found for incoming pod.';
const SELECTOR_MISMATCH =
  "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: " +
  '0/1 nodes are available: 1 Preemption is not helpful for scheduling.';

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, ip, () => s.close(() => resolve(true)));
  });
}

/** $(VAR) expansion as the kubelet does it ($$(VAR) escapes; unknown references stay as they are). */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) =>
    m === '$$' ? '$' : name !== undefined && name in env ? env[name] : m,
  );
}

/** One readiness probe (tcpSocket or httpGet; a named port is looked up in the container's ports). */
async function probeOnce(probe: k8s.V1Probe, ip: string, c: k8s.V1Container): Promise<boolean> {
  const portOf = (p: number | string | undefined) =>
    typeof p === 'number' ? p : (c.ports?.find((x) => x.name === p)?.containerPort ?? Number(p));
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port as number | string);
    return new Promise((resolve) => {
      const sock = connect({ host: ip, port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
  }
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port as number | string);
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    try {
      const res = await fetch(`${scheme}://${ip}:${port}${probe.httpGet.path ?? '/'}`, {
        redirect: 'manual',
        signal: AbortSignal.timeout((probe.timeoutSeconds ?? 1) * 1000),
      });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 400;
    } catch {
      return false;
    }
  }
  return true;
}

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number };
  return e?.code ?? e?.statusCode;
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

  // --- the Node -------------------------------------------------------------------------
  try {
    await core.createNode({ body: { metadata: { name: nodeName, labels } } });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
    await core.patchNode({ name: nodeName, body: { metadata: { labels } } }, merge);
  }
  const now = new Date().toISOString();
  const resources = { cpu: '8', memory: '32Gi', pods: '250', 'ephemeral-storage': '100Gi' };
  await core.patchNodeStatus(
    {
      name: nodeName,
      body: {
        status: {
          conditions: [
            {
              type: 'MemoryPressure',
              status: 'False',
              reason: 'KubeletHasSufficientMemory',
              message: 'kubelet has sufficient memory available',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'DiskPressure',
              status: 'False',
              reason: 'KubeletHasNoDiskPressure',
              message: 'kubelet has no disk pressure',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'PIDPressure',
              status: 'False',
              reason: 'KubeletHasSufficientPID',
              message: 'kubelet has sufficient PID available',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: nodeName },
          ],
          capacity: resources,
          allocatable: resources,
          nodeInfo: {
            kubeletVersion: 'v1.35.4',
            kubeProxyVersion: '',
            operatingSystem: 'linux',
            architecture: 'amd64',
            containerRuntimeVersion: 'labhub-test-node-agent://1',
            osImage: 'labhub test node agent',
            kernelVersion: '',
            bootID: '',
            machineID: '',
            systemUUID: '',
          },
        },
      },
    },
    merge,
  );

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

  const cond = (type: string, status: 'True' | 'False', extra: Record<string, string> = {}) => ({
    type,
    status,
    lastTransitionTime: new Date().toISOString(),
    ...extra,
  });
  const container = (st: PodState) => st.pod.spec!.containers[0];
  const fieldPath = (st: PodState) => `spec.containers{${container(st).name}}`;
  function containerStatus(st: PodState, state: Record<string, unknown>, ready: boolean) {
    const c = container(st);
    return [
      {
        name: c.name,
        image: c.image,
        imageID: '',
        ready,
        started: 'running' in state,
        restartCount: st.restarts,
        state,
        ...(st.lastTerminated ? { lastState: { terminated: st.lastTerminated } } : {}),
      },
    ];
  }

  async function allocateIP(pod: k8s.V1Pod): Promise<string> {
    const ports = (pod.spec!.containers[0].ports ?? []).map((p) => p.containerPort);
    for (let i = 0; i <= ipLast - ipFirst; i++) {
      const n = nextIP;
      nextIP = nextIP >= ipLast ? ipFirst : nextIP + 1;
      const ip = `127.0.0.${n}`;
      if (usedIPs.has(ip)) continue;
      let free = true;
      for (const port of ports) if (!(await portFree(ip, port))) free = false;
      if (!free) continue;
      usedIPs.add(ip);
      return ip;
    }
    throw new Error('no free pod IP left in 127.0.0.0/24');
  }

  async function resolveEnv(st: PodState, ip: string): Promise<Record<string, string>> {
    const pod = st.pod;
    const ns = pod.metadata!.namespace!;
    const c = container(st);
    const image = images[c.image ?? ''] ?? {};
    const env: Record<string, string> = {
      PATH: [...(image.path ?? []), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(':'),
      HOME: image.home ?? st.home,
      HOSTNAME: pod.metadata!.name!,
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port || '443',
      KUBERNETES_SERVICE_PORT_HTTPS: server.port || '443',
      ...image.env,
    };
    for (const from of c.envFrom ?? []) {
      let data: Record<string, string> = {};
      if (from.configMapRef?.name) {
        try {
          data =
            (await core.readNamespacedConfigMap({ namespace: ns, name: from.configMapRef.name }))
              .data ?? {};
        } catch (err) {
          if (!from.configMapRef.optional)
            throw new Error(`configmap "${from.configMapRef.name}" not found`, { cause: err });
        }
      } else if (from.secretRef?.name) {
        try {
          const raw =
            (await core.readNamespacedSecret({ namespace: ns, name: from.secretRef.name })).data ??
            {};
          data = Object.fromEntries(
            Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
          );
        } catch (err) {
          if (!from.secretRef.optional)
            throw new Error(`secret "${from.secretRef.name}" not found`, { cause: err });
        }
      }
      for (const [k, v] of Object.entries(data)) env[(from.prefix ?? '') + k] = v;
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = expand(e.value, env);
      else if (e.valueFrom?.fieldRef) {
        const path = e.valueFrom.fieldRef.fieldPath;
        const fields: Record<string, string | undefined> = {
          'metadata.name': pod.metadata!.name,
          'metadata.namespace': ns,
          'metadata.uid': pod.metadata!.uid,
          'spec.nodeName': nodeName,
          'spec.serviceAccountName': pod.spec!.serviceAccountName,
          'status.podIP': ip,
          'status.podIPs': ip,
          'status.hostIP': '127.0.0.1',
          'status.hostIPs': '127.0.0.1',
        };
        const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
        const value = m ? pod.metadata![m[1] as 'labels' | 'annotations']?.[m[2]] : fields[path];
        env[e.name] = value ?? '';
      } else if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        try {
          const v = (await core.readNamespacedSecret({ namespace: ns, name: ref.name! })).data?.[
            ref.key
          ];
          if (v === undefined)
            throw new Error(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
          env[e.name] = Buffer.from(v, 'base64').toString();
        } catch (err) {
          if (!ref.optional)
            throw new Error(
              statusCode(err) === 404 ? `secret "${ref.name}" not found` : (err as Error).message,
            );
        }
      } else if (e.valueFrom?.configMapKeyRef) {
        const ref = e.valueFrom.configMapKeyRef;
        try {
          const v = (await core.readNamespacedConfigMap({ namespace: ns, name: ref.name! })).data?.[
            ref.key
          ];
          if (v === undefined)
            throw new Error(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
          env[e.name] = v;
        } catch (err) {
          if (!ref.optional)
            throw new Error(
              statusCode(err) === 404
                ? `configmap "${ref.name}" not found`
                : (err as Error).message,
            );
        }
      } else env[e.name] = '';
    }
    for (const k of Object.keys(env)) env[k] = env[k].replaceAll('0.0.0.0', ip);
    return env;
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

  // --- running --------------------------------------------------------------------------
  async function start(st: PodState): Promise<void> {
    const pod = st.pod;
    const c = container(st);
    const image = c.image ?? '';
    st.phase = 'starting';
    if (st.restarts === 0) {
      await patchStatus(st, {
        phase: 'Pending',
        hostIP: '127.0.0.1',
        hostIPs: [{ ip: '127.0.0.1' }],
        startTime: new Date().toISOString(),
        conditions: [
          cond('PodReadyToStartContainers', 'True'),
          cond('Initialized', 'True'),
          cond('Ready', 'False', {
            reason: 'ContainersNotReady',
            message: `containers with unready status: [${c.name}]`,
          }),
          cond('ContainersReady', 'False', {
            reason: 'ContainersNotReady',
            message: `containers with unready status: [${c.name}]`,
          }),
          cond('PodScheduled', 'True'),
        ],
        containerStatuses: containerStatus(st, { waiting: { reason: 'ContainerCreating' } }, false),
      });
      await event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet', fieldPath(st));
      const failure = pullFailures.get(image);
      if (failure !== undefined) {
        const msg = `Failed to pull image "${image}": ${failure}`;
        await event(pod, 'Warning', 'Failed', msg, 'kubelet', fieldPath(st));
        await event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet', fieldPath(st));
        await patchStatus(st, {
          containerStatuses: containerStatus(
            st,
            { waiting: { reason: 'ErrImagePull', message: msg } },
            false,
          ),
        });
        st.phase = 'backoff';
        st.timer = setTimeout(() => {
          enqueue(st, async () => {
            if (st.phase !== 'backoff') return;
            await event(
              pod,
              'Normal',
              'BackOff',
              `Back-off pulling image "${image}"`,
              'kubelet',
              fieldPath(st),
            );
            await event(
              pod,
              'Warning',
              'Failed',
              'Error: ImagePullBackOff',
              'kubelet',
              fieldPath(st),
            );
            await patchStatus(st, {
              containerStatuses: containerStatus(
                st,
                {
                  waiting: {
                    reason: 'ImagePullBackOff',
                    message: `Back-off pulling image "${image}": ErrImagePull: ${failure}`,
                  },
                },
                false,
              ),
            });
          });
        }, 500);
        return;
      }
      await event(
        pod,
        'Normal',
        'Pulled',
        `Successfully pulled image "${image}" in 1ms (1ms including waiting). Image size: 0 bytes.`,
        'kubelet',
        fieldPath(st),
      );
    } else {
      await event(
        pod,
        'Normal',
        'Pulled',
        `Container image "${image}" already present on machine`,
        'kubelet',
        fieldPath(st),
      );
    }

    let env: Record<string, string>;
    try {
      st.ip ??= await allocateIP(pod);
      env = await resolveEnv(st, st.ip);
    } catch (err) {
      const msg = (err as Error).message;
      await event(pod, 'Warning', 'Failed', `Error: ${msg}`, 'kubelet', fieldPath(st));
      await patchStatus(st, {
        containerStatuses: containerStatus(
          st,
          { waiting: { reason: 'CreateContainerConfigError', message: msg } },
          false,
        ),
      });
      st.phase = 'backoff';
      return;
    }
    const entry = c.command?.length ? c.command : (images[image]?.command ?? []);
    const argv = [...entry, ...(c.args ?? [])].map((a) =>
      expand(a, env).replaceAll('0.0.0.0', st.ip!),
    );
    const cwd = c.workingDir ?? st.home;
    await event(pod, 'Normal', 'Created', `Created container: ${c.name}`, 'kubelet', fieldPath(st));
    let startError: string | undefined;
    if (!argv.length)
      startError = `no command specified and the node agent knows no entrypoint for image "${image}"`;
    else if (!existsSync(cwd) || !statSync(cwd).isDirectory())
      startError = `failed to create containerd task: chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`;
    if (startError) return exited(st, 128, 'StartError', startError);

    // As root, the process runs as the pod's securityContext.runAsUser (KubeSpawner's uid), so a
    // server refusing root (jupyter) starts as it would in its container.
    const sc = { ...pod.spec!.securityContext, ...c.securityContext };
    const ids =
      process.getuid?.() === 0 && sc.runAsUser !== undefined
        ? { uid: sc.runAsUser, gid: sc.runAsGroup ?? pod.spec!.securityContext?.fsGroup ?? 0 }
        : {};
    if (ids.uid !== undefined) chownSync(st.home, ids.uid, ids.gid!);
    const log = openSync(st.logFile, 'a');
    const proc = spawn(argv[0], argv.slice(1), {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', log, log],
      ...ids,
    });
    closeSync(log);
    st.proc = proc;
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      proc.once('spawn', () => resolve(undefined));
      proc.once('error', resolve);
    });
    if (spawnError) {
      st.proc = undefined;
      return exited(st, 128, 'StartError', `exec: "${argv[0]}": ${spawnError.message}`);
    }
    proc.once('exit', (code, signal) => {
      if (st.proc !== proc) return;
      enqueue(st, () => {
        if (st.phase !== 'running') return Promise.resolve();
        st.proc = undefined;
        const exit = code ?? 128 + (signal ? (SIGNALS[signal] ?? 9) : 9);
        return exited(st, exit, exit === 0 ? 'Completed' : 'Error');
      });
    });
    st.startedAt = new Date();
    st.phase = 'running';
    await event(pod, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet', fieldPath(st));
    const probe = c.readinessProbe;
    await reportRunning(st, !probe);
    if (probe) {
      // like the kubelet: Ready only once the readiness probe passes (tcpSocket or httpGet)
      const period = (probe.periodSeconds ?? 10) * 1000;
      const check = async () => {
        if (st.proc !== proc || st.phase !== 'running') return;
        if (await probeOnce(probe, st.ip!, c)) await reportRunning(st, true);
        else st.timer = setTimeout(() => enqueue(st, check), period);
      };
      st.timer = setTimeout(() => enqueue(st, check), (probe.initialDelaySeconds ?? 0) * 1000);
    }
  }

  async function reportRunning(st: PodState, ready: boolean): Promise<void> {
    const c = container(st);
    const notReady = {
      reason: 'ContainersNotReady',
      message: `containers with unready status: [${c.name}]`,
    };
    await patchStatus(st, {
      phase: 'Running',
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: st.ip,
      podIPs: [{ ip: st.ip }],
      conditions: [
        cond('PodReadyToStartContainers', 'True'),
        cond('Initialized', 'True'),
        cond('Ready', ready ? 'True' : 'False', ready ? {} : notReady),
        cond('ContainersReady', ready ? 'True' : 'False', ready ? {} : notReady),
        cond('PodScheduled', 'True'),
      ],
      containerStatuses: containerStatus(
        st,
        { running: { startedAt: st.startedAt!.toISOString() } },
        ready,
      ),
    });
  }

  async function exited(
    st: PodState,
    exitCode: number,
    reason: string,
    message?: string,
  ): Promise<void> {
    const c = container(st);
    const finishedAt = new Date().toISOString();
    const terminated = {
      exitCode,
      reason,
      ...(message ? { message } : {}),
      startedAt: (st.startedAt ?? new Date()).toISOString(),
      finishedAt,
      containerID: '',
    };
    const policy = st.pod.spec!.restartPolicy ?? 'Always';
    const notReady = { reason: 'PodCompleted' };
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
      st.phase = 'done';
      if (st.ip) usedIPs.delete(st.ip);
      await patchStatus(st, {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: [
          cond('PodReadyToStartContainers', 'False'),
          cond('Initialized', 'True'),
          cond('Ready', 'False', notReady),
          cond('ContainersReady', 'False', notReady),
          cond('PodScheduled', 'True'),
        ],
        containerStatuses: containerStatus(st, { terminated }, false),
      });
      return;
    }
    st.lastTerminated = terminated;
    st.restarts += 1;
    st.phase = 'backoff';
    const delay = Math.min(1000 * 2 ** (st.restarts - 1), 16_000);
    const msg = `back-off ${delay / 1000}s restarting failed container=${c.name} pod=${st.pod.metadata!.name}_${st.pod.metadata!.namespace}(${st.pod.metadata!.uid})`;
    await event(
      st.pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${st.pod.metadata!.name}_${st.pod.metadata!.namespace}(${st.pod.metadata!.uid})`,
      'kubelet',
      fieldPath(st),
    );
    await patchStatus(st, {
      phase: 'Running',
      conditions: [
        cond('PodReadyToStartContainers', 'True'),
        cond('Initialized', 'True'),
        cond('Ready', 'False', {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${c.name}]`,
        }),
        cond('ContainersReady', 'False', {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${c.name}]`,
        }),
        cond('PodScheduled', 'True'),
      ],
      containerStatuses: containerStatus(
        st,
        { waiting: { reason: 'CrashLoopBackOff', message: msg } },
        false,
      ),
    });
    st.timer = setTimeout(
      () => enqueue(st, () => (st.phase === 'backoff' ? start(st) : Promise.resolve())),
      delay,
    );
  }

  /** SIGTERM the process group, SIGKILL after `grace` seconds; resolves when it has exited. */
  function kill(proc: ChildProcess, graceSeconds: number): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-proc.pid!, sig);
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => signal('SIGKILL'), Math.max(graceSeconds, 0) * 1000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      signal(graceSeconds > 0 ? 'SIGTERM' : 'SIGKILL');
    });
  }

  async function terminate(st: PodState): Promise<void> {
    const pod = st.pod;
    st.phase = 'deleting';
    clearTimeout(st.timer);
    const grace =
      pod.metadata!.deletionGracePeriodSeconds ?? pod.spec!.terminationGracePeriodSeconds ?? 30;
    if (st.proc) {
      await event(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${container(st).name}`,
        'kubelet',
        fieldPath(st),
      );
      const proc = st.proc;
      st.proc = undefined;
      await kill(proc, grace);
    }
    if (st.ip) usedIPs.delete(st.ip);
    try {
      await core.deleteNamespacedPod({
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        gracePeriodSeconds: 0,
      });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }

  // --- reconciling ----------------------------------------------------------------------
  function enqueue(st: PodState, work: () => Promise<void>): void {
    st.chain = st.chain.then(work).catch((err: unknown) => {
      if (!stopped)
        console.error(`kube-node-agent: pod ${st.key}: ${(err as Error)?.stack ?? String(err)}`);
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
