/**
 * Pieces of the test node agent (test/helpers/kube-node-agent.ts) that need none of its state:
 * the Node it registers, the status shapes a kubelet reports, probes, $(VAR) expansion, killing
 * a process group.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer } from 'node:net';
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
  /**
   * A fast stand-in server instead of the container's command (benchmarks with 1,000 pods): the
   * container's process is `sleep infinity`, and the agent itself answers any HTTP request with
   * 200 on the pod IP at the container's first port, for as long as that process lives.
   */
  standIn?: boolean;
}

export type Phase =
  'new' | 'pending' | 'starting' | 'running' | 'backoff' | 'done' | 'deleting' | 'gone';

export interface PodState {
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

export const DEFAULT_UNSCHEDULABLE =
  '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: ' +
  '1 No preemption victims found for incoming pod.';
export const SELECTOR_MISMATCH =
  "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: " +
  '0/1 nodes are available: 1 Preemption is not helpful for scheduling.';

export const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};
export const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, ip, () => s.close(() => resolve(true)));
  });
}

/** $(VAR) expansion as the kubelet does it ($$(VAR) escapes; unknown references stay as they are). */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) =>
    m === '$$' ? '$' : name !== undefined && name in env ? env[name] : m,
  );
}

/** One readiness probe (tcpSocket or httpGet; a named port is looked up in the container's ports). */
export async function probeOnce(
  probe: k8s.V1Probe,
  ip: string,
  c: k8s.V1Container,
): Promise<boolean> {
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

export function statusCode(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number };
  return e?.code ?? e?.statusCode;
}

/** SIGTERM the process group, SIGKILL after `grace` seconds; resolves when it has exited. */
export function kill(proc: ChildProcess, graceSeconds: number): Promise<void> {
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

/** Registers (or updates) the Node, Ready, with its labels. */
export async function registerNode(
  core: k8s.CoreV1Api,
  nodeName: string,
  labels: Record<string, string>,
): Promise<void> {
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
}

export const cond = (
  type: string,
  status: 'True' | 'False',
  extra: Record<string, string> = {},
) => ({
  type,
  status,
  lastTransitionTime: new Date().toISOString(),
  ...extra,
});
export const container = (st: PodState) => st.pod.spec!.containers[0];
export const fieldPath = (st: PodState) => `spec.containers{${container(st).name}}`;
export function containerStatus(st: PodState, state: Record<string, unknown>, ready: boolean) {
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

/** Pod IP number n: 127.0.0.n below 256, else 127.0.(n / 256).(n % 256) (all of 127/8 is loopback). */
export function podAddress(n: number): string {
  return `127.0.${n >> 8}.${n & 255}`;
}

/** The stand-in server of a `standIn` image: 200 and a small JSON body for any request. */
export function standInServer(ip: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"version":"stand-in"}');
    });
    s.keepAliveTimeout = 1000;
    s.once('error', reject);
    s.listen(port, ip, () => resolve(s));
  });
}
