/**
 * Resuming a pod's start whose hub replica died (docs/high-availability.md, "Adoption"): the
 * replica saved the pod's name before creating anything; the adopter waits on the shared pod
 * watch until that pod runs, makes sure of its Service (services_enabled: the dead replica may
 * have died before creating it) and waits until its server accepts connections.
 */
import { HubError } from '../../errors.js';
import type { KubeCluster } from './cluster.js';
import { serviceManifest, type ServerIdentity } from './manifests.js';
import type { KubeOptions } from './options.js';
import { ensureService } from './pod-ops.js';
import { bracket, podPort, waitListening, waitRunning, type StartSession } from './pod-wait.js';

export async function resumePod(
  session: StartSession,
  cluster: KubeCluster,
  state: { podName: string; namespace: string; dnsName: string },
  o: KubeOptions,
  fallback: { identity: () => ServerIdentity; port: number },
): Promise<{ url: string }> {
  const watch = cluster.pods(state.namespace, o.component_label);
  await watch.ready();
  const pod = watch.get(state.podName);
  const uid = pod?.metadata?.uid;
  if (!pod || !uid || pod.metadata?.deletionTimestamp)
    throw new HubError(
      'LABHUB_ERR_SPAWN_FAILED',
      500,
      `The pod ${state.namespace}/${state.podName} of ${session.who} was not created before the hub replica starting it died.`,
    );
  const running = await waitRunning(session, watch, state.podName, uid);
  const port = podPort(running) ?? fallback.port;
  if (o.services_enabled)
    await ensureService(
      session,
      cluster.core,
      state.namespace,
      serviceManifest(o, fallback.identity(), port, { name: state.podName, uid }),
    );
  const host = o.services_enabled ? state.dnsName : running.status!.podIP!;
  await waitListening(session, watch, state.podName, host, port);
  return { url: `http://${bracket(host)}:${port}` };
}
