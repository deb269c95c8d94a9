// deploy/helm/labhub: helm lint, helm template (default values and a Zero to JupyterHub
// values.yaml), the rendered manifests applied to a real API server (server-side apply), the
// hub's RBAC checked by the API server's authorizer, the rendered hub config read by labhub's own
// config loader, and the refusals of what the chart does not support.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { requireKubeBinary, startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { loadConfig } from '../../src/config/index.js';
import { settingsFromConfig } from '../../src/core/settings-from-config.js';
import { checkSpawnerOptions } from '../../src/spawner/registry.js';
import { kubernetesSpawner } from '../../src/spawner/kubernetes/index.js';
import { kubeOptions } from '../../src/spawner/kubernetes/options.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const chart = join(root, 'deploy/helm/labhub');
const z2jhValues = join(root, 'test/kubernetes/fixtures/z2jh-values.yaml');
const helm = requireKubeBinary('helm');

let cluster: KubeCluster;
let scratch: string;

before(async () => {
  cluster = await startKubeCluster();
  scratch = mkdtempSync(join(tmpdir(), 'labhub-helm-'));
});

after(async () => {
  await cluster?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function runHelm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // HOME and the helm cache/config folders in a scratch dir: nothing of the machine's helm set-up
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    HELM_CACHE_HOME: join(scratch, 'cache'),
    HELM_CONFIG_HOME: join(scratch, 'config'),
    HELM_DATA_HOME: join(scratch, 'data'),
  };
  return spawnSync(helm, args, { encoding: 'utf8', env });
}

type Manifest = k8s.KubernetesObject & Record<string, unknown>;

function template(namespace: string, ...extra: string[]): Manifest[] {
  const r = runHelm(['template', 'demo', chart, '--namespace', namespace, ...extra]);
  assert.equal(r.status, 0, `helm template failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => !!d);
}

function find(docs: Manifest[], kind: string, name: string): Manifest {
  const d = docs.find((x) => x.kind === kind && x.metadata?.name === name);
  assert.ok(
    d,
    `${kind} ${name} rendered (got ${docs.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')})`,
  );
  return d;
}

function hubConfig(docs: Manifest[]): Record<string, Record<string, unknown>> {
  const secret = find(docs, 'Secret', 'demo-labhub-hub') as Manifest & {
    stringData: Record<string, string>;
  };
  return parseAllDocuments(secret.stringData['labhub.yaml'])[0].toJS();
}

/** Server-side apply of every manifest; the API server must accept each one. */
async function apply(namespace: string, docs: Manifest[]): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig());
  for (const doc of docs) {
    doc.metadata = { ...doc.metadata, namespace };
    try {
      await client.patch(
        doc,
        undefined,
        undefined,
        'labhub-chart-test',
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
    } catch (err) {
      assert.fail(
        `${doc.kind} ${doc.metadata.name} refused by the API server: ${(err as { body?: string }).body ?? err}`,
      );
    }
  }
}

test('values.schema.json is generated from values.yaml and up to date', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts/gen-helm-schema.mjs'), '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('helm lint passes with the default values and with a Zero to JupyterHub values.yaml', () => {
  for (const extra of [[], ['-f', z2jhValues]]) {
    const r = runHelm(['lint', '--strict', chart, ...extra]);
    assert.equal(r.status, 0, `helm lint ${extra.join(' ')}:\n${r.stdout}${r.stderr}`);
  }
});

test('default values: hub, proxy, RBAC, NetworkPolicies, SQLite PVC; labhub reads the hub config; the API server accepts it all', async () => {
  const ns = 'chart-default';
  const docs = template(ns);
  const kinds = docs.map((d) => `${d.kind}/${d.metadata!.name}`).sort();
  assert.deepEqual(kinds, [
    'Deployment/demo-labhub-hub',
    'Deployment/demo-labhub-proxy',
    'NetworkPolicy/demo-labhub-hub',
    'NetworkPolicy/demo-labhub-proxy',
    'NetworkPolicy/demo-labhub-singleuser',
    'PersistentVolumeClaim/demo-labhub-hub-db',
    'Role/demo-labhub-hub',
    'RoleBinding/demo-labhub-hub',
    'Secret/demo-labhub-hub',
    'Service/demo-labhub-hub',
    'Service/demo-labhub-proxy-api',
    'Service/demo-labhub-proxy-public',
    'ServiceAccount/demo-labhub-hub',
  ]);
  const cfg = hubConfig(docs);
  assert.equal(cfg.JupyterHub.db_url, 'sqlite:////srv/labhub/labhub.sqlite');
  assert.equal(cfg.JupyterHub.hub_connect_url, `http://demo-labhub-hub.${ns}.svc:8081`);
  assert.deepEqual(cfg.ConfigurableHTTPProxy, {
    should_start: false,
    api_url: `http://demo-labhub-proxy-api.${ns}.svc:8001`,
  });
  assert.equal(cfg.KubeSpawner.namespace, ns);
  assert.equal(cfg.KubeSpawner.image, 'quay.io/jupyter/base-notebook:latest');
  assert.equal(cfg.KubeSpawner.pvc_name_template, 'claim-{username}{servername}');
  assert.deepEqual(cfg.KubeSpawner.volume_mounts, [
    { name: 'volume-{username}{servername}', mountPath: '/home/jovyan' },
  ]);

  // labhub's own loader accepts what the chart derives, and the kubernetes spawner its options.
  const file = join(scratch, 'labhub.yaml');
  writeFileSync(file, JSON.stringify(cfg));
  const loaded = loadConfig({ file }).config;
  assert.equal(loaded.ConfigurableHTTPProxy.should_start, false);
  const settings = settingsFromConfig(loaded, 'dummy');
  assert.equal(settings.spawnerClass, 'kubernetes');
  checkSpawnerOptions(kubernetesSpawner, settings.spawner.extra);
  assert.equal(kubeOptions(settings.spawner.extra).namespace, ns);
  assert.equal(loaded.Labhub.idle_culler.enabled, true);

  await cluster.createNamespace(ns);
  await apply(ns, docs);
  const core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
  const svc = await core.readNamespacedService({ namespace: ns, name: 'demo-labhub-proxy-public' });
  assert.equal(svc.spec!.type, 'LoadBalancer');

  // The hub's ServiceAccount may do what the spawner does in its namespace, and nothing else.
  const authz = cluster.kubeConfig().makeApiClient(k8s.AuthorizationV1Api);
  const can = async (verb: string, resource: string, namespace = ns, group = '') => {
    const r = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: `system:serviceaccount:${ns}:demo-labhub-hub`,
          groups: [
            'system:serviceaccounts',
            `system:serviceaccounts:${ns}`,
            'system:authenticated',
          ],
          resourceAttributes: { verb, resource, namespace, group },
        },
      },
    });
    return r.status!.allowed;
  };
  for (const [verb, resource] of [
    ['create', 'pods'],
    ['delete', 'pods'],
    ['watch', 'pods'],
    ['create', 'persistentvolumeclaims'],
    ['create', 'services'],
    ['list', 'events'],
  ])
    assert.equal(await can(verb, resource), true, `${verb} ${resource}`);
  assert.equal(await can('create', 'pods', 'kube-system'), false, 'not in another namespace');
  assert.equal(await can('create', 'deployments', ns, 'apps'), false, 'no deployments');
  assert.equal(
    await can('create', 'roles', ns, 'rbac.authorization.k8s.io'),
    false,
    'no RBAC escalation',
  );
  assert.equal(await can('patch', 'pods'), false, 'no verb beyond the spawner’s');
  assert.equal(await can('get', 'secrets'), false, 'no Secrets: the spawner uses none');
});

test('a Zero to JupyterHub values.yaml: hub.config moves over, singleuser.* maps to KubeSpawner, HTTPS from a Secret; applied', async () => {
  const ns = 'chart-z2jh';
  const docs = template(ns, '-f', z2jhValues);
  const cfg = hubConfig(docs);
  assert.equal(cfg.JupyterHub.authenticator_class, 'github');
  assert.deepEqual(cfg.Authenticator, { admin_users: ['alice'], allowed_users: ['bob', 'carol'] });
  assert.equal((cfg.GitHubOAuthenticator as Record<string, unknown>).client_id, '0123456789abcdef');
  assert.deepEqual(cfg.JupyterHub.services, [
    {
      name: 'grader',
      url: 'http://grader.example.org:9000',
      api_token: '0123456789abcdef0123456789abcdef',
    },
  ]);
  assert.deepEqual(cfg.JupyterHub.load_roles, [
    { name: 'grader', scopes: ['list:users', 'read:users'], services: ['grader'] },
  ]);
  assert.deepEqual(cfg.Labhub.idle_culler, {
    enabled: true,
    timeout: 1800,
    interval: 300,
    max_age: 0,
    cull_users: false,
  });
  const ks = cfg.KubeSpawner;
  assert.equal(ks.image, 'quay.io/jupyter/scipy-notebook:2024-05-27');
  assert.equal(
    ks.delete_grace_period,
    5,
    'hub.config.KubeSpawner merges with the singleuser mapping',
  );
  assert.equal(ks.default_url, '/lab');
  assert.equal(ks.start_timeout, 600);
  assert.equal(ks.cpu_limit, 2);
  assert.equal(ks.cpu_guarantee, 0.5);
  assert.equal(ks.mem_limit, '2G');
  assert.equal(ks.mem_guarantee, '1G');
  assert.deepEqual(ks.node_selector, { 'hub.jupyter.org/node-purpose': 'user' });
  assert.equal((ks.tolerations as unknown[]).length, 1);
  assert.deepEqual(ks.environment, { EDITOR: 'vim' });
  assert.equal(ks.storage_capacity, '5Gi');
  assert.equal(ks.storage_class, 'standard');
  assert.equal(ks.storage_pvc_ensure, true);
  assert.deepEqual(ks.extra_labels, {
    'hub.jupyter.org/network-access-hub': 'true',
    release: 'demo',
  });
  assert.deepEqual(
    (ks.volume_mounts as { name: string }[]).map((m) => m.name),
    ['volume-{username}{servername}', 'shared'],
  );
  assert.equal((ks.profile_list as unknown[]).length, 2);

  const proxy = find(docs, 'Deployment', 'demo-labhub-proxy') as Manifest & {
    spec: { template: { spec: k8s.V1PodSpec } };
  };
  const args = proxy.spec.template.spec.containers[0].args!;
  assert.ok(
    args.includes('--ssl-cert=/etc/labhub-proxy/tls/tls.crt') && args.includes('--port=8443'),
  );
  assert.equal(proxy.spec.template.spec.volumes![0].secret!.secretName, 'example-org-tls');
  // Z2JH's proxy.chp.resources, merged with the chart's defaults
  assert.deepEqual(proxy.spec.template.spec.containers[0].resources, {
    requests: { cpu: '200m', memory: '128Mi' },
  });
  const pub = find(docs, 'Service', 'demo-labhub-proxy-public') as Manifest & {
    spec: k8s.V1ServiceSpec;
  };
  assert.deepEqual(
    pub.spec.ports!.map((p) => [p.name, p.port, p.nodePort]),
    [
      ['https', 443, 30443],
      ['http', 80, 30080],
    ],
  );
  const pvc = find(docs, 'PersistentVolumeClaim', 'demo-labhub-hub-db') as Manifest & {
    spec: k8s.V1PersistentVolumeClaimSpec;
  };
  assert.equal(pvc.spec.storageClassName, 'standard');

  await cluster.createNamespace(ns);
  await apply(ns, docs);
});

test('postgres from a Secret: PGPASSWORD from the named Secret, no SQLite volume claim', () => {
  const docs = template(
    'chart-pg',
    '--set',
    'hub.db.type=postgres',
    '--set',
    'hub.db.url=postgresql://labhub@db:5432/labhub',
    '--set',
    'hub.db.passwordSecret.name=pg',
  );
  assert.equal(hubConfig(docs).JupyterHub.db_url, 'postgresql://labhub@db:5432/labhub');
  assert.ok(!docs.some((d) => d.kind === 'PersistentVolumeClaim'));
  const hub = find(docs, 'Deployment', 'demo-labhub-hub') as Manifest & {
    spec: { template: { spec: k8s.V1PodSpec } };
  };
  const pg = hub.spec.template.spec.containers[0].env!.find((e) => e.name === 'PGPASSWORD');
  assert.deepEqual(pg?.valueFrom?.secretKeyRef, { name: 'pg', key: 'password' });
});

test('what the chart does not do is refused with a message, never ignored', () => {
  const cases: [string[], RegExp][] = [
    [['--set', 'hub.extraConfig.auth=c.X.y = 1'], /hub.extraConfig holds Python code/],
    [
      ['--set', 'proxy.https.enabled=true', '--set', 'proxy.https.type=letsencrypt'],
      /letsencrypt is not built yet/,
    ],
    [['--set', 'ingress.enabled=true'], /the labhub chart has no Ingress yet/],
    [
      ['--set', 'proxy.traefik.image.tag=v3'],
      /at '\/proxy': additional properties 'traefik' not allowed/,
    ],
    [
      ['--set', 'singleuser.memroy.limit=1G'],
      /at '\/singleuser': additional properties 'memroy' not allowed/,
    ],
    [
      ['--set', 'hub.db.type=mysql'],
      /hub.db.type "mysql": labhub supports sqlite-pvc, sqlite-memory and postgres/,
    ],
    [
      ['--set', 'hub.db.type=postgres', '--set', 'hub.db.url=postgresql://u:pw@db/x'],
      /hub.db.url holds a password/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runHelm(['template', 'demo', chart, ...args]);
    assert.notEqual(r.status, 0, `refused: ${args.join(' ')}`);
    assert.match(r.stderr, message);
  }
});
