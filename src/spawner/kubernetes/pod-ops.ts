/**
 * The API calls of a start and a stop: create the pod (removing a stopped one of the same name
 * first) and its Service, delete a pod and wait on the shared watch until it is gone; refusals
 * in the cluster's words.
 */
import type * as k8s from '@kubernetes/client-node';
import { HubError } from '../../errors.js';
import { apiMessage, apiStatus, type Pod, type PodWatch } from './cluster.js';
import { isPodStopped } from './pod-status.js';
import type { StartSession } from './pod-wait.js';

/** How long a stop waits for a deleted pod to disappear (beyond its grace period). */
const STOP_WAIT_S = 30;

export function refused(s: StartSession, what: string, name: string, e: unknown): HubError {
  const status = apiStatus(e);
  const msg = apiMessage(e);
  const quota = /exceeded quota/i.test(msg) ? ' (a ResourceQuota of the namespace is used up)' : '';
  return new HubError(
    'LABHUB_ERR_SPAWN_FAILED',
    500,
    `The cluster refused ${what} ${name} of ${s.who}${quota}: ${msg}${status ? ` (HTTP ${status})` : ''}`,
  );
}

/** Creates the pod; a stopped or terminating pod of the same name is deleted first (once). */
export async function createPod(
  s: StartSession,
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
        throw refused(s, 'the pod', `${namespace}/${name}`, e);
    }
    const old = watch.get(name);
    if (old && !isPodStopped(old))
      throw new HubError(
        'LABHUB_ERR_CONFLICT',
        409,
        `A pod named ${namespace}/${name} is already running for ${s.who}; stop it first.`,
      );
    s.emit(`Removing the old pod ${namespace}/${name}`);
    await deleteAndWait(s, api, watch, namespace, name, 0);
  }
}

export async function ensureService(
  s: StartSession,
  api: k8s.CoreV1Api,
  namespace: string,
  body: Record<string, unknown>,
): Promise<void> {
  try {
    await api.createNamespacedService({ namespace, body: body as k8s.V1Service });
  } catch (e) {
    if (apiStatus(e) !== 409)
      throw refused(
        s,
        'the Service',
        `${namespace}/${String((body.metadata as { name: string }).name)}`,
        e,
      );
  }
}

export async function deleteAndWait(
  s: StartSession,
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
    s.log.warn(`The pod ${namespace}/${name} was still there ${limit / 1000} s after its deletion`);
}
