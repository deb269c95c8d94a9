/**
 * The kubelet part of the test node agent (test/helpers/kube-node-agent.ts): starts a bound pod's
 * first container as a local process (image pull simulated, pull failures on request), reports
 * Running/Ready (after a readiness probe), exit and restarts with back-off, and terminates a pod
 * being deleted.
 */
import { spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import {
  SIGNALS,
  cond,
  container,
  containerStatus,
  expand,
  fieldPath,
  kill,
  probeOnce,
  standInServer,
  statusCode,
  type NodeAgentImage,
  type PodState,
} from './kube-node-agent-lib.js';
import { resolveEnv } from './kube-node-agent-env.js';

export interface KubeletContext {
  core: k8s.CoreV1Api;
  nodeName: string;
  server: URL;
  images: Record<string, NodeAgentImage>;
  pullFailures: Map<string, string>;
  usedIPs: Set<string>;
  event(
    pod: k8s.V1Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component?: string,
    fieldPath?: string,
  ): Promise<void>;
  patchStatus(st: PodState, status: Record<string, unknown>): Promise<void>;
  enqueue(st: PodState, work: () => Promise<void>): void;
  allocateIP(pod: k8s.V1Pod): Promise<string>;
}

/** The pod's DELETED event came (the phase changes behind an await, hence a function). */
function deleted(st: PodState): boolean {
  return st.phase === 'gone';
}

export function kubelet(ctx: KubeletContext): {
  start(st: PodState): Promise<void>;
  terminate(st: PodState): Promise<void>;
} {
  const {
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
  } = ctx;

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
      env = await resolveEnv(core, st, st.ip, { images, server, nodeName });
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
    const standIn = images[image]?.standIn === true;
    const entry = c.command?.length ? c.command : (images[image]?.command ?? []);
    const argv = standIn
      ? ['sleep', 'infinity']
      : [...entry, ...(c.args ?? [])].map((a) => expand(a, env).replaceAll('0.0.0.0', st.ip!));
    const cwd = c.workingDir ?? st.home;
    await event(pod, 'Normal', 'Created', `Created container: ${c.name}`, 'kubelet', fieldPath(st));
    let startError: string | undefined;
    if (!argv.length)
      startError = `no command specified and the node agent knows no entrypoint for image "${image}"`;
    else if (!existsSync(cwd) || !statSync(cwd).isDirectory())
      startError = `failed to create containerd task: chdir to cwd ("${cwd}") set in config.json failed: no such file or directory`;
    if (startError) return exited(st, 128, 'StartError', startError);
    // Deleted while this start awaited the API (onDelete ran): no process for a pod that is gone.
    if (deleted(st)) {
      usedIPs.delete(st.ip!);
      return;
    }

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
    if (deleted(st)) {
      st.proc = undefined;
      usedIPs.delete(st.ip!);
      await kill(proc, 0);
      return;
    }
    if (standIn) {
      const server = await standInServer(st.ip!, c.ports?.[0]?.containerPort ?? 8888);
      proc.once('exit', () => server.close());
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

  async function terminate(st: PodState): Promise<void> {
    const pod = st.pod;
    st.phase = 'deleting';
    clearTimeout(st.timer);
    const grace =
      pod.metadata!.deletionGracePeriodSeconds ?? pod.spec!.terminationGracePeriodSeconds ?? 30;
    // Taken before the first await: the pod's DELETED event (onDelete) may clear st.proc meanwhile.
    const proc = st.proc;
    st.proc = undefined;
    if (proc) {
      await event(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${container(st).name}`,
        'kubelet',
        fieldPath(st),
      );
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

  return { start, terminate };
}
