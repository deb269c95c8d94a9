/**
 * Parity with KubeSpawner 7.1 (PyPI, .venv-kubespawner): for the same configuration, user and
 * server, the pod and PVC manifests labhub's `kubernetes` spawner makes are the ones KubeSpawner's
 * get_pod_manifest()/get_pvc_manifest() make (kubespawner-manifests.py, no cluster needed):
 * labels, annotations, container name/port, args, environment, resources, security contexts,
 * service account and token mounting, restartPolicy, volumes — the whole objects.
 *
 * Deliberate differences, normalised before comparing:
 * - Resource quantities: KubeSpawner sends JSON numbers (1073741824, 0.5, 2.0), labhub sends
 *   quantity strings ("1073741824", "0.5", "2"); the API server stores the same quantity.
 * - KubeSpawner.cmd: KubeSpawner's default is None (the image's command); labhub's default is
 *   [] with the same meaning, so the configs here give both the same value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeSpawner } from '../../src/spawner/kubernetes/kube-spawner.js';
import { JUPYTERHUB_COMPAT_VERSION } from '../../src/spawner/kubernetes/manifests.js';
import { JUPYTERHUB_VERSION } from '../../src/core/settings-from-config.js';
import { buildHubEnv, clientIdFor, serverPrefixFor } from '../../src/spawner/spawn-env.js';
import { silentLogger } from '../../src/log.js';
import type { JsonObject } from '../../src/util/json.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PY = join(ROOT, '.venv-kubespawner', 'bin', 'python');
const SCRIPT = join(import.meta.dirname, 'kubespawner-manifests.py');
const API_URL = 'http://127.0.0.1:8081/hub/api';

interface Case {
  label: string;
  user: { name: string; id: number };
  server?: string;
  config: Record<string, unknown>;
  userOptions?: JsonObject;
}

const CASES: Case[] = [
  { label: 'defaults', user: { name: 'alice', id: 1 }, config: {} },
  {
    label: 'resources, cmd and args, a user name that needs a slug',
    user: { name: 'Bob.Smith@Example.org', id: 42 },
    config: {
      cpu_limit: 2,
      cpu_guarantee: 0.5,
      mem_limit: '2G',
      mem_guarantee: '512M',
      extra_resource_limits: { 'nvidia.com/gpu': '1' },
      extra_resource_guarantees: { 'ephemeral-storage': '1Gi' },
      cmd: ['jupyterhub-singleuser'],
      args: ['--debug'],
      image: 'quay.io/jupyter/scipy-notebook:2025-01-01',
      image_pull_policy: 'IfNotPresent',
      env_keep: ['HOME', 'LABHUB_NO_SUCH_VARIABLE'],
    },
  },
  {
    label: 'volumes, PVC, storage class, named server',
    user: { name: 'carol', id: 3 },
    server: 'GPU Work',
    config: {
      storage_pvc_ensure: true,
      storage_capacity: '10Gi',
      storage_class: 'fast',
      storage_access_modes: ['ReadWriteOnce'],
      storage_extra_labels: { team: 'ml' },
      storage_extra_annotations: { owner: '{username}' },
      pvc_name_template: 'claim-{username}{servername}',
      volumes: [
        { name: 'home', persistentVolumeClaim: { claimName: '{pvc_name}' } },
        { name: 'shm', emptyDir: { medium: 'Memory' } },
      ],
      volume_mounts: [
        { name: 'home', mountPath: '/home/jovyan' },
        { name: 'shm', mountPath: '/dev/shm' },
      ],
    },
  },
  {
    label: 'profile with kubespawner_override and profile options',
    user: { name: 'dave', id: 4 },
    config: {
      cpu_limit: 1,
      environment: { BASE: 'x', KEEP: 'y' },
      node_selector: { pool: 'default' },
      profile_list: [
        { display_name: 'Small', slug: 'small', default: true },
        {
          display_name: 'GPU',
          slug: 'gpu',
          kubespawner_override: {
            image: 'example.org/gpu:1',
            cpu_limit: 4,
            mem_limit: '8G',
            environment: { GPU: '1', BASE: null },
            node_selector: { pool: 'gpu' },
            extra_resource_limits: { 'nvidia.com/gpu': '1' },
          },
          profile_options: {
            tag: {
              display_name: 'Tag',
              choices: {
                a: { display_name: 'A', kubespawner_override: { image_pull_policy: 'Always' } },
                b: { display_name: 'B', kubespawner_override: { working_dir: '/work' } },
              },
            },
          },
        },
      ],
    },
    userOptions: { profile: 'gpu', tag: 'b' },
  },
  {
    label: 'extra_* keys, security, service account, scheduling, env references',
    user: { name: 'erin', id: 5 },
    config: {
      uid: 1000,
      gid: 100,
      fs_gid: 100,
      supplemental_gids: [4, 27],
      privileged: false,
      allow_privilege_escalation: null,
      container_security_context: { readOnlyRootFilesystem: true },
      pod_security_context: { runAsNonRoot: true },
      service_account: 'sa-{username}',
      automount_service_account_token: true,
      working_dir: '/home/{username}',
      image_pull_secrets: ['regcred', { name: 'other' }],
      extra_labels: { team: 'data', user: '{username}' },
      extra_annotations: { 'example.org/who': '{unescaped_username}' },
      extra_pod_config: { dnsPolicy: 'ClusterFirst', enable_service_links: false },
      extra_container_config: { stdin: true },
      extra_containers: [{ name: 'sidecar', image: 'busybox', args: ['sleep', 'inf'] }],
      init_containers: [{ name: 'init', image: 'busybox', command: ['true'] }],
      lifecycle_hooks: { postStart: { exec: { command: ['sh', '-c', 'echo hi'] } } },
      tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
      node_affinity_required: [
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
      ],
      node_affinity_preferred: [
        { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
      ],
      pod_anti_affinity_preferred: [
        {
          weight: 10,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: {} },
        },
      ],
      priority_class_name: 'users',
      scheduler_name: 'my-scheduler',
      environment: {
        A_PATH: '$(HOME_DIR)/bin',
        HOME_DIR: '/home/{username}',
        FROM_SECRET: { valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      },
    },
  },
  {
    label: "slug_scheme 'escape' and a custom pod name template",
    user: { name: 'Frank_O', id: 6 },
    server: 'dev',
    config: { slug_scheme: 'escape', pod_name_template: 'nb-{username}--{servername}-{userid}' },
  },
];

/** The inputs both sides share for one case. */
function inputs(c: Case) {
  const server = c.server ?? '';
  const prefix = serverPrefixFor('/', c.user.name, server);
  return {
    server,
    prefix,
    clientId: clientIdFor(c.user.name, server),
    accessScopes: [`access:servers!server=${c.user.name}/${server}`],
  };
}

function pythonManifests(): Array<{ pod: JsonObject; pvc: JsonObject }> {
  assert.ok(
    existsSync(PY),
    `${PY} is missing: run \`node scripts/setup-python.mjs\` (python/requirements-kubespawner.txt).`,
  );
  const payload = CASES.map((c) => {
    const i = inputs(c);
    return {
      user: c.user,
      server: i.server,
      prefix: i.prefix,
      user_url: serverPrefixFor('/', c.user.name, ''),
      hub_url: '/hub/',
      api_url: API_URL,
      token: 'per-run-token',
      client_id: i.clientId,
      access_scopes: i.accessScopes,
      config: c.config,
      user_options: c.userOptions ?? {},
    };
  });
  const r = spawnSync(PY, [SCRIPT], { input: JSON.stringify(payload), encoding: 'utf8' });
  assert.equal(r.status, 0, `kubespawner-manifests.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ pod: JsonObject; pvc: JsonObject }>;
}

function labhubManifests(c: Case) {
  const i = inputs(c);
  const hubEnv = buildHubEnv({
    userName: c.user.name,
    serverName: i.server,
    apiToken: 'per-run-token',
    hubApiUrl: API_URL,
    baseUrl: '/',
    serverPrefix: i.prefix,
    bindUrl: `http://0.0.0.0:0${i.prefix}`,
    oauthAccessScopes: i.accessScopes,
    oauthClientAllowedScopes: [],
  });
  const sp = new KubeSpawner({
    user: c.user,
    serverName: i.server,
    hubEnv,
    options: {
      cmd: [],
      args: [],
      notebookDir: '',
      defaultUrl: '',
      environment: {},
      envKeep: [],
      ip: '0.0.0.0',
      port: 0,
      startTimeout: 60,
      httpTimeout: 30,
      pollInterval: 30,
      memLimit: null,
      cpuLimit: null,
      extra: c.config,
    },
    userOptions: c.userOptions ?? null,
    log: silentLogger(),
  });
  return sp.manifests();
}

/** Resource quantities as numbers on both sides (see the file comment). */
function normalise(obj: unknown): unknown {
  return JSON.parse(JSON.stringify(obj), function (this: unknown, key, value: unknown) {
    if ((key === 'limits' || key === 'requests') && value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        out[k] = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      return out;
    }
    return value;
  });
}

test('kubernetes parity: the annotated JupyterHub version is the one labhub speaks', () => {
  assert.equal(JUPYTERHUB_COMPAT_VERSION, JUPYTERHUB_VERSION);
});

test('kubernetes parity: pod and PVC manifests equal KubeSpawner 7.1 for the same configs', () => {
  const py = pythonManifests();
  assert.equal(py.length, CASES.length);
  CASES.forEach((c, n) => {
    const ours = labhubManifests(c);
    assert.deepEqual(normalise(ours.pod), normalise(py[n]!.pod), `pod of case "${c.label}"`);
    if (ours.pvc)
      assert.deepEqual(normalise(ours.pvc), normalise(py[n]!.pvc), `PVC of case "${c.label}"`);
  });
  // The comparison is not vacuous: the cases reach the parts that differ most between configs.
  const gpu = labhubManifests(CASES[3]!).pod as {
    spec: { containers: Array<{ image: string; workingDir?: string }> };
  };
  assert.equal(gpu.spec.containers[0]!.image, 'example.org/gpu:1');
  assert.equal(gpu.spec.containers[0]!.workingDir, '/work');
});
