/**
 * Small helpers for tests and benchmarks on the test cluster (test/helpers/kube-cluster.ts) and
 * its node agent (test/helpers/kube-node-agent.ts): follow a pod through a watch, read the reasons
 * of its events, wait until a namespace has no pods left.
 */
import * as k8s from '@kubernetes/client-node';

/** Resolves with the pod once `pred` holds, following a watch (ADDED for the current state first). */
export async function waitForPod(
  kc: k8s.KubeConfig,
  ns: string,
  name: string,
  pred: (pod: k8s.V1Pod | undefined, type: string) => boolean,
): Promise<k8s.V1Pod | undefined> {
  let started: Promise<AbortController> | undefined;
  try {
    return await new Promise<k8s.V1Pod | undefined>((resolve, reject) => {
      started = new k8s.Watch(kc).watch(
        `/api/v1/namespaces/${ns}/pods`,
        { fieldSelector: `metadata.name=${name}` },
        (type, obj: k8s.V1Pod) => {
          const pod = type === 'DELETED' ? undefined : obj;
          if (pred(pod, type)) resolve(pod);
        },
        (err) => reject(err ?? new Error('watch ended')),
      );
      started.catch(reject);
    });
  } finally {
    // the predicate can hold before watch() resolves: wait for its controller, then end the watch
    (await started?.catch(() => undefined))?.abort();
  }
}

/** The reasons of the events of object `name` in `ns`, oldest first. */
export async function eventReasons(
  core: k8s.CoreV1Api,
  ns: string,
  name: string,
): Promise<string[]> {
  const list = await core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items.map((e) => e.reason!);
}

/** Resolves once namespace `ns` has no pod left (checked every 100 ms, up to `timeoutMs`). */
export async function waitNoPods(
  core: k8s.CoreV1Api,
  ns: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await core.listNamespacedPod({ namespace: ns })).items.length;
    if (!left) return;
    if (Date.now() > deadline) throw new Error(`${left} pods still in namespace ${ns}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
