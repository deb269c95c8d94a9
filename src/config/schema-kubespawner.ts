/**
 * Traits of `KubeSpawner` (the `kubernetes` spawner): KubeSpawner 7's names, defaults and
 * meanings for the keys labhub implements, and the KubeSpawner keys it refuses (set to anything
 * but their "off" value) rather than ignore. The spawner itself is src/spawner/kubernetes/.
 */
import { z } from 'zod';
import { anyDict, byteSize, command, strDict, strList, t } from './schema-util.js';

const dictList = z.union([z.array(anyDict), anyDict]);
const optStr = z.string().nullable();
const optInt = z.number().int().nullable();
/** KubeSpawner's env values: a string, or an EnvVar-like mapping (`{valueFrom: …}`). */
const envValue = z.union([z.string(), anyDict]);

/** The KubeSpawner class's own traits (the Spawner ones apply too). */
export const kubeSpawnerTraits = {
  kubeconfig: t(
    z.string(),
    '',
    'str',
    "labhub: kubeconfig file of the cluster to spawn in. Empty: the pod's service account when the hub runs in the cluster (KUBERNETES_SERVICE_HOST set), else `$KUBECONFIG`, else `~/.kube/config`.",
  ),
  namespace: t(
    z.string(),
    '',
    'str',
    "Namespace of the user pods. Empty: the hub pod's own namespace in the cluster, else `default`.",
  ),
  ip: t(z.string(), '0.0.0.0', 'str', 'IP the single-user server listens on inside its pod.'),
  cmd: t(
    command.nullable().transform((c) => c ?? []),
    [],
    'list[str]',
    "Command of the notebook container (its `args`, followed by Spawner.args). Empty: the image's own command, and Spawner.args are not passed (as KubeSpawner).",
  ),
  env_keep: t(
    strList,
    [],
    'list[str]',
    "Variables of the hub's own environment passed to the pods (KubeSpawner's default: none).",
  ),
  environment: t(
    z.record(z.string(), envValue),
    {},
    'dict[str, str | dict]',
    'Extra environment of the notebook container; a value may be a Kubernetes EnvVar mapping (`{"valueFrom": …}`). `{username}`-style fields are expanded as in the pod name template.',
  ),
  image: t(
    z.string().min(1),
    'quay.io/jupyterhub/singleuser:latest',
    'str',
    'Image of the notebook container (also `JUPYTER_IMAGE` in its environment).',
  ),
  image_pull_policy: t(
    z.enum(['Always', 'IfNotPresent', 'Never']).nullable(),
    null,
    'str',
    'imagePullPolicy of the notebook container (null: the cluster default).',
  ),
  image_pull_secrets: t(
    z.union([z.string(), z.array(z.union([z.string(), anyDict]))]),
    [],
    'list[str | dict]',
    'Secrets for pulling the image: names or `{name: …}` mappings.',
  ),
  cpu_guarantee: t(
    z.number().positive().nullable(),
    null,
    'float',
    'CPU request of the notebook container, in cores.',
  ),
  mem_guarantee: t(
    byteSize.nullable(),
    null,
    'bytes',
    'Memory request: bytes or `512M`, `2G` (1024-based, as JupyterHub).',
  ),
  extra_resource_limits: t(strDict, {}, 'dict[str, str]', 'More resource limits, e.g. GPUs.'),
  extra_resource_guarantees: t(strDict, {}, 'dict[str, str]', 'More resource requests.'),
  node_selector: t(strDict, {}, 'dict[str, str]', 'nodeSelector of the pod.'),
  tolerations: t(dictList, [], 'list[dict]', 'Tolerations of the pod.'),
  node_affinity_preferred: t(dictList, [], 'list[dict]', 'PreferredSchedulingTerms.'),
  node_affinity_required: t(dictList, [], 'list[dict]', 'NodeSelectorTerms (required).'),
  pod_affinity_preferred: t(dictList, [], 'list[dict]', 'WeightedPodAffinityTerms.'),
  pod_affinity_required: t(dictList, [], 'list[dict]', 'PodAffinityTerms (required).'),
  pod_anti_affinity_preferred: t(dictList, [], 'list[dict]', 'Anti-affinity, preferred.'),
  pod_anti_affinity_required: t(dictList, [], 'list[dict]', 'Anti-affinity, required.'),
  uid: t(optInt, null, 'int', 'runAsUser of the notebook container (null: the image user).'),
  gid: t(optInt, null, 'int', 'runAsGroup of the notebook container.'),
  fs_gid: t(optInt, null, 'int', 'fsGroup of the pod.'),
  supplemental_gids: t(z.array(z.number().int()), [], 'list[int]', 'supplementalGroups.'),
  privileged: t(z.boolean(), false, 'bool', 'Run the notebook container privileged.'),
  allow_privilege_escalation: t(
    z.boolean().nullable(),
    false,
    'bool',
    'allowPrivilegeEscalation of the notebook container (null: not set).',
  ),
  container_security_context: t(
    anyDict,
    {},
    'dict',
    'securityContext of the notebook container (camelCase keys), over uid/gid/privileged.',
  ),
  pod_security_context: t(
    anyDict,
    {},
    'dict',
    'securityContext of the pod (camelCase keys), over fs_gid/supplemental_gids.',
  ),
  working_dir: t(optStr, null, 'str', 'Working directory of the notebook container.'),
  volumes: t(dictList, [], 'list[dict]', 'Volumes of the pod (fields expanded).'),
  volume_mounts: t(dictList, [], 'list[dict]', 'volumeMounts of the notebook container.'),
  storage_pvc_ensure: t(
    z.boolean(),
    false,
    'bool',
    "Create the user's PersistentVolumeClaim (pvc_name_template) before the pod if missing.",
  ),
  pvc_name_template: t(
    z.string(),
    'claim-{user_server}',
    'str',
    'Name of the PVC; fields as pod_name_template.',
  ),
  remember_pvc_name: t(
    z.boolean(),
    true,
    'bool',
    'Keep using the PVC name stored with the server when pvc_name_template changes.',
  ),
  storage_capacity: t(optStr, null, 'str', 'Requested size of the PVC, e.g. `10Gi`.'),
  storage_class: t(optStr, null, 'str', 'StorageClass of the PVC.'),
  storage_access_modes: t(strList, ['ReadWriteOnce'], 'list[str]', 'accessModes of the PVC.'),
  storage_extra_labels: t(strDict, {}, 'dict[str, str]', 'More labels of the PVC.'),
  storage_extra_annotations: t(strDict, {}, 'dict[str, str]', 'More annotations of the PVC.'),
  storage_selector: t(anyDict, {}, 'dict', 'selector of the PVC.'),
  pod_name_template: t(
    z.string(),
    'jupyter-{user_server}',
    'str',
    'Pod name. Fields: `{username}`, `{servername}`, `{user_server}` (escaped by slug_scheme), `{unescaped_username}`, `{userid}`, `{safe_username}`, `{escaped_username}`…, as KubeSpawner.',
  ),
  slug_scheme: t(
    z.enum(['safe', 'escape']),
    'safe',
    'str',
    "How names become Kubernetes names: 'safe' (KubeSpawner 7) or 'escape' (KubeSpawner < 7).",
  ),
  dns_name_template: t(
    z.string(),
    '{name}.{namespace}.svc.cluster.local',
    'str',
    'DNS name of the server with services_enabled.',
  ),
  component_label: t(
    z.string(),
    'singleuser-server',
    'str',
    "`component` label of the pods; the hub's one watch selects on it.",
  ),
  common_labels: t(
    strDict,
    {
      'app.kubernetes.io/name': 'jupyterhub',
      'app.kubernetes.io/managed-by': 'kubespawner',
      app: 'jupyterhub',
      heritage: 'jupyterhub',
    },
    'dict[str, str]',
    'Labels of every pod and PVC.',
  ),
  extra_labels: t(strDict, {}, 'dict[str, str]', 'More pod labels (fields expanded).'),
  extra_annotations: t(strDict, {}, 'dict[str, str]', 'More pod annotations (fields expanded).'),
  service_account: t(optStr, null, 'str', 'serviceAccountName of the pod.'),
  automount_service_account_token: t(
    z.boolean().nullable(),
    null,
    'bool',
    'Mount the service account token (null: only when service_account is set).',
  ),
  init_containers: t(dictList, [], 'list[dict]', 'initContainers of the pod.'),
  extra_containers: t(dictList, [], 'list[dict]', 'More containers in the pod.'),
  lifecycle_hooks: t(anyDict, {}, 'dict', 'lifecycle of the notebook container.'),
  extra_pod_config: t(anyDict, {}, 'dict', 'More pod spec fields (camelCase), merged last.'),
  extra_container_config: t(
    anyDict,
    {},
    'dict',
    'More notebook container fields (camelCase), merged last.',
  ),
  scheduler_name: t(optStr, null, 'str', 'schedulerName of the pod.'),
  priority_class_name: t(z.string(), '', 'str', 'priorityClassName of the pod.'),
  delete_grace_period: t(
    z.number().int().min(0),
    1,
    'int',
    'gracePeriodSeconds when deleting a pod at stop.',
  ),
  delete_stopped_pods: t(
    z.boolean(),
    true,
    'bool',
    'Delete a pod found stopped (exited) at stop; false leaves it for inspection.',
  ),
  services_enabled: t(
    z.boolean(),
    false,
    'bool',
    'Put a Service in front of each pod (owned by the pod) and reach the server by its DNS name.',
  ),
  events_enabled: t(
    z.boolean(),
    true,
    'bool',
    "Show the pod's Kubernetes events in the spawn progress.",
  ),
};

/** KubeSpawner keys labhub does not implement: refused unless set to their "off" value. */
export const kubeSpawnerRefused: Record<string, string> = {
  enable_user_namespaces: 'a namespace per user',
  user_namespace_template: 'a namespace per user',
  user_namespace_labels: 'a namespace per user',
  user_namespace_annotations: 'a namespace per user',
  pod_connect_ip: 'a custom address for reaching pods',
  get_pod_url: 'a Python hook computing the pod URL',
  modify_pod_hook: 'a Python hook changing the pod',
  after_pod_created_hook: 'a Python hook after the pod is created',
  profile_form_template: "KubeSpawner's Jinja profile form",
  additional_profile_form_template_paths: "KubeSpawner's Jinja profile form",
  delete_pvc: "deleting the user's PVC when the user is deleted",
  handle_legacy_names: 'renaming pods and PVCs of KubeSpawner < 7',
  k8s_api_host: 'an API host outside the kubeconfig',
  k8s_api_ssl_ca_cert: 'a CA outside the kubeconfig',
  k8s_api_verify_ssl: 'TLS verification switches outside the kubeconfig',
  k8s_api_threadpool_workers: "the Python client's thread pool",
  k8s_api_request_timeout: "the Python client's request timeout",
  k8s_api_request_retry_timeout: "the Python client's retry timeout",
  secret_name_template: 'internal SSL secrets (JupyterHub.internal_ssl)',
  secret_mount_path: 'internal SSL secrets (JupyterHub.internal_ssl)',
  ssl_alt_names: 'internal SSL',
  ssl_alt_names_include_local: 'internal SSL',
  hub_connect_ip: 'the deprecated hub_connect_ip (use hub_connect_url)',
  hub_connect_port: 'the deprecated hub_connect_port (use hub_connect_url)',
  slow_spawn_message_threshold: 'a "taking longer than expected" progress message',
  slow_spawn_message_frequency: 'a "taking longer than expected" progress message',
  slow_spawn_message: 'a "taking longer than expected" progress message',
};

export const kubeSpawnerHelp =
  'Servers as Kubernetes pods (KubeSpawner 7 names and meanings; docs/kubernetes.md). Spawner traits apply too.';
