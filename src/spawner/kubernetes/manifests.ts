/**
 * The Pod, PVC and Service labhub creates for one server, field for field as KubeSpawner 7.1's
 * `get_pod_manifest()` / `get_pvc_manifest()` (kubespawner/objects.py make_pod, make_pvc):
 * labels and annotations, the `notebook` container with its `notebook-port`, args, the
 * environment sorted so `$(VAR)` references resolve, resources with JupyterHub's byte units,
 * security contexts, service account and token mounting, `restartPolicy: OnFailure`, volumes.
 * Plain JSON objects in the API's camelCase; the parity test compares them with KubeSpawner's.
 */
import type { KubeOptions } from './options.js';
import { expandAll, isValidLabel, safeSlug } from './names.js';

/** The KubeSpawner release whose manifests these follow (its version annotation). */
export const KUBESPAWNER_COMPAT_VERSION = '7.1.0';
/** The JupyterHub release labhub is wire-compatible with (equal to core's JUPYTERHUB_VERSION; a test checks). */
export const JUPYTERHUB_COMPAT_VERSION = '6.1.1';

type Json = Record<string, unknown>;
const isDict = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** A model given as a mapping: top-level snake_case keys become camelCase (as get_k8s_model). */
function model(obj: unknown): Json {
  if (!isDict(obj)) return obj as Json;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [camel(k), v]));
}

/** KubeSpawner's `_sorted_dict_values`: a mapping becomes its values sorted by key. */
export function sortedValues(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isDict(v))
    return Object.keys(v)
      .sort()
      .map((k) => v[k]);
  return [];
}

/** Who and what one server is: names already made (names.ts). */
export interface ServerIdentity {
  userName: string;
  serverName: string;
  podName: string;
  pvcName: string;
  /** Template fields for expansion of extra_labels, volumes… (names.ts templateFields). */
  fields: Record<string, string>;
}

function commonLabels(o: KubeOptions, id: ServerIdentity, extra: Record<string, string>): Json {
  return {
    'hub.jupyter.org/username': safeSlug(id.userName, isValidLabel),
    ...extra,
    ...o.common_labels,
  };
}

/** Labels of the server's pod (also the selector of its Service). */
export function podLabels(o: KubeOptions, id: ServerIdentity): Json {
  return {
    ...commonLabels(o, id, expandAll(o.extra_labels, id.fields)),
    'app.kubernetes.io/component': o.component_label,
    component: o.component_label,
    'hub.jupyter.org/servername': safeSlug(id.serverName, isValidLabel),
  };
}

function commonAnnotations(id: ServerIdentity, extra: Record<string, string>): Json {
  const a: Json = { 'hub.jupyter.org/username': id.userName };
  if (id.serverName) a['hub.jupyter.org/servername'] = id.serverName;
  a['hub.jupyter.org/kubespawner-version'] = KUBESPAWNER_COMPAT_VERSION;
  a['hub.jupyter.org/jupyterhub-version'] = JUPYTERHUB_COMPAT_VERSION;
  return { ...a, ...extra };
}

/** An env entry: a plain value or an EnvVar mapping (its `name` defaults to the key). */
type EnvInput = Record<string, string | Json>;

/**
 * The container's env list, ordered as KubeSpawner does: rounds of the entries whose `$(VAR)`
 * references are already listed, each round sorted by key; what is left (cycles) last, sorted.
 */
export function sortedEnv(env: EnvInput): Json[] {
  const pending = new Map<string, { key: string; deps: Set<string>; env: Json }>();
  for (const [key, v] of Object.entries(env)) {
    const e: Json = isDict(v) ? model({ name: key, ...v }) : { name: key, value: v };
    const value = typeof e.value === 'string' ? e.value : '';
    const deps = new Set([...value.matchAll(/\$\(([^)]+)\)/g)].map((m) => m[1]!));
    deps.delete(String(e.name));
    pending.set(String(e.name), { key, deps, env: e });
  }
  const out: Json[] = [];
  const byKey = (a: { key: string }, b: { key: string }) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  for (;;) {
    const done = new Set(out.map((e) => String(e.name)));
    const ready = [...pending.entries()].filter(([, v]) => [...v.deps].every((d) => done.has(d)));
    if (!ready.length) {
      out.push(...[...pending.values()].sort(byKey).map((v) => v.env));
      return out;
    }
    for (const [name] of ready) pending.delete(name);
    out.push(
      ...ready
        .map(([, v]) => v)
        .sort(byKey)
        .map((v) => v.env),
    );
  }
}

/** A resource quantity as a string: bytes as an integer, cores as given (`0.5`, `2`). */
const quantity = (n: number) => String(n);

export interface PodInput {
  options: KubeOptions;
  id: ServerIdentity;
  /** cmd + args, or null for the image's own command. */
  args: string[] | null;
  port: number;
  env: EnvInput;
}

function securityContexts(o: KubeOptions): { pod: Json | null; container: Json | null } {
  for (const [what, ctx] of [
    ['pod_security_context', o.pod_security_context],
    ['container_security_context', o.container_security_context],
  ] as const)
    for (const k of Object.keys(ctx))
      if (k.includes('_'))
        throw new Error(`${what}'s keys should have k8s camelCase names, got '${k}'`);
  const psc: Json = {};
  if (o.fs_gid !== null) psc.fsGroup = o.fs_gid;
  if (o.supplemental_gids.length) psc.supplementalGroups = [...o.supplemental_gids];
  Object.assign(psc, o.pod_security_context);
  const csc: Json = {};
  if (o.uid !== null) csc.runAsUser = o.uid;
  if (o.gid !== null) csc.runAsGroup = o.gid;
  if (o.privileged) csc.privileged = true;
  if (o.allow_privilege_escalation !== null)
    csc.allowPrivilegeEscalation = o.allow_privilege_escalation;
  Object.assign(csc, o.container_security_context);
  return {
    pod: Object.keys(psc).length ? psc : null,
    container: Object.keys(csc).length ? csc : null,
  };
}

function affinity(o: KubeOptions): Json | null {
  const [nap, nar] = [
    sortedValues(o.node_affinity_preferred),
    sortedValues(o.node_affinity_required),
  ];
  const [pap, par] = [
    sortedValues(o.pod_affinity_preferred),
    sortedValues(o.pod_affinity_required),
  ];
  const [aap, aar] = [
    sortedValues(o.pod_anti_affinity_preferred),
    sortedValues(o.pod_anti_affinity_required),
  ];
  const terms = (pref: unknown[], req: Json | unknown[] | null) => {
    const t: Json = {};
    if (pref.length) t.preferredDuringSchedulingIgnoredDuringExecution = pref.map(model);
    if (req) t.requiredDuringSchedulingIgnoredDuringExecution = req;
    return t;
  };
  const a: Json = {};
  if (nap.length || nar.length)
    a.nodeAffinity = terms(nap, nar.length ? { nodeSelectorTerms: nar.map(model) } : null);
  if (pap.length || par.length) a.podAffinity = terms(pap, par.length ? par.map(model) : null);
  if (aap.length || aar.length) a.podAntiAffinity = terms(aap, aar.length ? aar.map(model) : null);
  return Object.keys(a).length ? a : null;
}

/** KubeSpawner's update_k8s_model: top-level fields replaced (snake_case keys accepted). */
function overlay(target: Json, changes: Json): Json {
  return { ...target, ...model(changes) };
}

/** The server's Pod (make_pod). */
export function podManifest(p: PodInput): Json {
  const o = p.options;
  const f = p.id.fields;
  const sc = securityContexts(o);
  const requests: Json = {};
  if (o.cpu_guarantee) requests.cpu = quantity(o.cpu_guarantee);
  if (o.mem_guarantee) requests.memory = quantity(o.mem_guarantee);
  Object.assign(requests, o.extra_resource_guarantees);
  const limits: Json = {};
  if (o.cpu_limit) limits.cpu = quantity(o.cpu_limit);
  if (o.mem_limit) limits.memory = quantity(o.mem_limit);
  Object.assign(limits, o.extra_resource_limits);

  let container: Json = { name: 'notebook', image: o.image };
  if (o.working_dir) container.workingDir = expandAll(o.working_dir, f);
  container.ports = [{ name: 'notebook-port', containerPort: p.port }];
  container.env = sortedEnv(p.env);
  if (p.args) container.args = p.args;
  if (o.image_pull_policy) container.imagePullPolicy = o.image_pull_policy;
  container.lifecycle = model(o.lifecycle_hooks); // `{}` when none, as KubeSpawner sends it
  container.resources = { limits, requests };
  container.volumeMounts = (expandAll(sortedValues(o.volume_mounts), f) as unknown[]).map(model);
  if (sc.container) container.securityContext = sc.container;
  if (Object.keys(o.extra_container_config).length)
    container = overlay(container, o.extra_container_config);

  let spec: Json = { restartPolicy: 'OnFailure' };
  const secrets =
    typeof o.image_pull_secrets === 'string' ? [o.image_pull_secrets] : o.image_pull_secrets;
  spec.imagePullSecrets = secrets.map((s) => (typeof s === 'string' ? { name: s } : model(s)));
  if (Object.keys(o.node_selector).length) spec.nodeSelector = { ...o.node_selector };
  if (sc.pod) spec.securityContext = sc.pod;
  const serviceAccount = o.service_account === null ? null : expandAll(o.service_account, f);
  if (serviceAccount !== null) spec.serviceAccountName = serviceAccount;
  if (o.automount_service_account_token === null) {
    // Without a service account, users' pods get no token for the API (KubeSpawner's rule).
    if (serviceAccount === null) spec.automountServiceAccountToken = false;
  } else spec.automountServiceAccountToken = o.automount_service_account_token;
  const extraContainers = expandAll(sortedValues(o.extra_containers), f) as unknown[];
  spec.containers = [container, ...extraContainers.map(model)];
  const tolerations = sortedValues(o.tolerations);
  if (tolerations.length) spec.tolerations = tolerations.map(model);
  const init = expandAll(sortedValues(o.init_containers), f) as unknown[];
  if (init.length) spec.initContainers = init.map(model);
  spec.volumes = (expandAll(sortedValues(o.volumes), f) as unknown[]).map(model);
  if (o.scheduler_name) spec.schedulerName = o.scheduler_name;
  const aff = affinity(o);
  if (aff) spec.affinity = aff;
  if (o.priority_class_name) spec.priorityClassName = o.priority_class_name;
  if (Object.keys(o.extra_pod_config).length)
    spec = overlay(spec, expandAll(o.extra_pod_config, f));

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.id.podName,
      labels: podLabels(o, p.id),
      annotations: commonAnnotations(p.id, expandAll(o.extra_annotations, f)),
    },
    spec,
  };
}

/** The user's PersistentVolumeClaim (make_pvc). */
export function pvcManifest(o: KubeOptions, id: ServerIdentity): Json {
  const labels = {
    ...commonLabels(o, id, expandAll(o.storage_extra_labels, id.fields)),
    'app.kubernetes.io/component': o.component_label,
    component: 'singleuser-storage',
  };
  const annotations = commonAnnotations(id, expandAll(o.storage_extra_annotations, id.fields));
  const spec: Json = {
    accessModes: [...o.storage_access_modes],
    resources: { requests: { storage: o.storage_capacity } },
  };
  if (o.storage_class !== null) {
    annotations['volume.beta.kubernetes.io/storage-class'] = o.storage_class;
    spec.storageClassName = o.storage_class;
  }
  const selector = expandAll(o.storage_selector, id.fields);
  if (Object.keys(selector).length) spec.selector = selector;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: id.pvcName, annotations, labels },
    spec,
  };
}

/** The Service in front of the pod (services_enabled), owned by the pod (make_service). */
export function serviceManifest(
  o: KubeOptions,
  id: ServerIdentity,
  port: number,
  owner: { name: string; uid: string },
): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: id.podName,
      annotations: commonAnnotations(id, expandAll(o.extra_annotations, id.fields)),
      labels: commonLabels(o, id, expandAll(o.extra_labels, id.fields)),
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          name: owner.name,
          uid: owner.uid,
          blockOwnerDeletion: true,
          controller: false,
        },
      ],
    },
    spec: {
      type: 'ClusterIP',
      selector: podLabels(o, id),
      ports: [{ name: 'http', port, targetPort: port }],
    },
  };
}
