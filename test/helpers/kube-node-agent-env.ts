/**
 * The environment of a pod's container as the kubelet builds it (test node agent): the image's
 * PATH/HOME/env, the API server's KUBERNETES_SERVICE_*, envFrom, env with $(VAR), fieldRef,
 * secretKeyRef and configMapKeyRef; every 0.0.0.0 becomes the pod IP.
 */
import type * as k8s from '@kubernetes/client-node';
import {
  container,
  expand,
  statusCode,
  type NodeAgentImage,
  type PodState,
} from './kube-node-agent-lib.js';

export async function resolveEnv(
  core: k8s.CoreV1Api,
  st: PodState,
  ip: string,
  where: { images: Record<string, NodeAgentImage>; server: URL; nodeName: string },
): Promise<Record<string, string>> {
  const { images, server, nodeName } = where;
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
            statusCode(err) === 404 ? `configmap "${ref.name}" not found` : (err as Error).message,
          );
      }
    } else env[e.name] = '';
  }
  for (const k of Object.keys(env)) env[k] = env[k].replaceAll('0.0.0.0', ip);
  return env;
}
