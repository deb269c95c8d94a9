/**
 * `kubernetes` spawner (KubeSpawner, `spawner_class = 'kubespawner.KubeSpawner'`): each server
 * is a pod on a Kubernetes cluster, configured with KubeSpawner 7's keys (docs/kubernetes.md,
 * "The Kubernetes spawner"). Pieces: options.ts (keys, profiles), names.ts (name templates),
 * manifests.ts (pod, PVC, Service), pod-env.ts, cluster.ts (client, in-cluster service account,
 * one shared pod watch and one event watch per namespace), pod-status.ts (readiness, failures,
 * events), pod-ops.ts (create/delete calls), pod-wait.ts (waiting for a starting pod),
 * kube-spawner.ts (the life cycle).
 */
import type { SpawnerDefinition, SpawnerNotice } from '../types.js';
import { KubeSpawner } from './kube-spawner.js';
import { checkProfiles, kubeOptions, kubeOptionsSchema } from './options.js';
import { closeClusters, loadKubeConfig } from './cluster.js';

export const kubernetesSpawner: SpawnerDefinition = {
  id: 'kubernetes',
  aliases: ['kubespawner.KubeSpawner', 'KubeSpawner', 'kubespawner'],
  configClasses: ['Spawner', 'KubeSpawner'],
  options: kubeOptionsSchema,
  create: (ctx) => new KubeSpawner(ctx),
  startupNotices(options) {
    const o = kubeOptions(options.extra);
    checkProfiles(o);
    loadKubeConfig(o.kubeconfig); // throws LABHUB_ERR_CONFIG when there is no cluster to talk to
    const notices: SpawnerNotice[] = [];
    if (!o.cmd.length && options.args.length)
      notices.push({
        level: 'warn',
        message: `Spawner.args ${JSON.stringify(options.args)} are not passed: KubeSpawner.cmd is empty, so pods run their image's own command.`,
        fix: "Set KubeSpawner.cmd (e.g. ['jupyterhub-singleuser']).",
      });
    return notices;
  },
  close: closeClusters,
};
