/**
 * What a pod's status means for its server: running and ready (KubeSpawner's is_pod_running),
 * failed for good (image pull failure, container that cannot start or exited, pod Failed) with
 * the cluster's own message, waiting to be scheduled (the scheduler's message), and how a pod
 * event reads in the spawn progress (KubeSpawner's `<time> [<type>] <message>`).
 */
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** KubeSpawner's is_pod_running: Running, an IP, not being deleted, every container ready. */
export function isPodRunning(pod: V1Pod | null | undefined): boolean {
  return (
    !!pod &&
    pod.status?.phase === 'Running' &&
    !!pod.status.podIP &&
    !pod.metadata?.deletionTimestamp &&
    (pod.status.containerStatuses ?? []).every((c) => c.ready)
  );
}

/** The pod no longer runs its server (exited, failed, or being deleted). */
export function isPodStopped(pod: V1Pod | null | undefined): boolean {
  if (!pod) return true;
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || !!pod.metadata?.deletionTimestamp;
}

/** Exit status for poll(): the notebook container's exit code, else 1 (0 when just gone). */
export function exitStatusOf(pod: V1Pod | null | undefined): number {
  if (!pod) return 0;
  const nb = notebookStatus(pod);
  const term = nb?.state?.terminated ?? nb?.lastState?.terminated;
  if (term) return term.exitCode;
  return pod.status?.phase === 'Succeeded' ? 0 : 1;
}

function notebookStatus(pod: V1Pod): V1ContainerStatus | undefined {
  return (pod.status?.containerStatuses ?? []).find((c) => c.name === 'notebook');
}

const PULL_FAILURES = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);
const START_FAILURES = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
  'StartError',
]);

/**
 * Why the pod will not become ready, in the cluster's words, or null while it may still.
 * Covers every container (init ones too): an image that cannot be pulled, a container that
 * cannot start or has exited, a Failed/Succeeded pod.
 */
export function podFailure(pod: V1Pod): string | null {
  const st = pod.status;
  const all = [...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? [])];
  for (const c of all) {
    const w = c.state?.waiting;
    if (w?.reason && PULL_FAILURES.has(w.reason))
      return `Cannot pull the image ${c.image} of container ${c.name} (${w.reason})${w.message ? `: ${w.message}` : ''}`;
    const last = c.lastState?.terminated;
    const lastText = last
      ? `; it exited with status ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}${last.message ? `: ${last.message}` : ''}`
      : '';
    if (w?.reason && START_FAILURES.has(w.reason))
      return `Container ${c.name} cannot start (${w.reason})${w.message ? `: ${w.message}` : ''}${lastText}`;
    // Restarted after exiting while the server starts: it will not come up by itself.
    if (last && !c.ready && !c.state?.running) return `Container ${c.name} cannot start${lastText}`;
  }
  for (const c of st?.containerStatuses ?? []) {
    const t = c.state?.terminated;
    if (t)
      return `Container ${c.name} exited with status ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`;
  }
  if (st?.phase === 'Failed' || st?.phase === 'Succeeded')
    return `The pod ${st.phase === 'Failed' ? 'failed' : 'ended'}${st.reason ? ` (${st.reason})` : ''}${st.message ? `: ${st.message}` : ''}`;
  return null;
}

/** The scheduler's message while the pod cannot be placed on a node, else null. */
export function unschedulableMessage(pod: V1Pod): string | null {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'PodScheduled');
  if (c && c.status === 'False' && c.reason === 'Unschedulable')
    return c.message || 'no node can run it';
  return null;
}

/** One pod event as a progress line: `<time> [<type>] <message>` (KubeSpawner's format). */
export function eventLine(ev: CoreV1Event): string {
  const when =
    ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata?.creationTimestamp;
  const ts = when ? new Date(when as unknown as string).toISOString() : '';
  return `${ts ? ts + ' ' : ''}[${ev.type ?? 'Normal'}] ${ev.message ?? ev.reason ?? ''}`.trim();
}
