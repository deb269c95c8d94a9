/**
 * @kubernetes/client-node, loaded the first time a Kubernetes spawner talks to a cluster: it
 * weighs about 80 MB of memory, which a hub with another spawner should not carry.
 */
import { createRequire } from 'node:module';
import type * as K8s from '@kubernetes/client-node';

const load = createRequire(import.meta.url);
let lib: typeof K8s | undefined;

export function kube(): typeof K8s {
  return (lib ??= load('@kubernetes/client-node') as typeof K8s);
}
