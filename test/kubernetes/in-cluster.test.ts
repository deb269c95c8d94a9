/**
 * The hub in a pod: in-cluster service-account auth against the real API server, with the RBAC
 * the Helm chart renders. The chart's ServiceAccount, Role and RoleBinding are applied, a token
 * for the account comes from the TokenRequest API, and its three files (token, ca.crt, namespace)
 * are written where LABHUB_KUBE_SERVICEACCOUNT_DIR points (the kubelet would mount them at
 * /var/run/secrets/kubernetes.io/serviceaccount), with KUBERNETES_SERVICE_HOST/PORT set as in a
 * pod. The spawner, given no kubeconfig, then spawns in the hub's namespace with everything it
 * uses (pod watch, events, PVC, Service), and is refused outside it: the chart's Role is enough,
 * and it grants nothing the spawner does not use.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { requireKubeBinary, startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { startKubeNodeAgent, type KubeNodeAgent } from '../helpers/kube-node-agent.js';
import { kubernetesSpawner } from '../../src/spawner/kubernetes/index.js';
import { kubeContext, TINY_IMAGE as IMAGE } from './context.js';
import { closeClusters, loadKubeConfig } from '../../src/spawner/kubernetes/cluster.js';
import { isHubError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const HUB_NS = 'labhub';
const OTHER_NS = 'elsewhere';

let cluster: KubeCluster;
let agent: KubeNodeAgent;
let scratch: string;

type Manifest = k8s.KubernetesObject & Record<string, unknown>;

before(async () => {
  cluster = await startKubeCluster();
  agent = await startKubeNodeAgent(cluster.kubeConfig(), { images: { [IMAGE]: {} } });
  scratch = mkdtempSync(join(tmpdir(), 'labhub-incluster-'));
  await cluster.createNamespace(HUB_NS);
  await cluster.createNamespace(OTHER_NS);

  // The chart's RBAC, as `helm template` renders it, applied by the admin.
  const helm = spawnSync(
    requireKubeBinary('helm'),
    ['template', 'demo', join(ROOT, 'deploy/helm/labhub'), '--namespace', HUB_NS],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: scratch,
        HELM_CACHE_HOME: join(scratch, 'cache'),
        HELM_CONFIG_HOME: join(scratch, 'config'),
        HELM_DATA_HOME: join(scratch, 'data'),
      },
    },
  );
  assert.equal(helm.status, 0, helm.stderr);
  const rbac = parseAllDocuments(helm.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter(
      (d): d is Manifest => !!d && ['ServiceAccount', 'Role', 'RoleBinding'].includes(d.kind!),
    );
  assert.deepEqual(rbac.map((d) => d.kind).sort(), ['Role', 'RoleBinding', 'ServiceAccount']);
  const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig());
  for (const doc of rbac) {
    doc.metadata = { ...doc.metadata, namespace: HUB_NS };
    await objects.create(doc);
  }

  // A token of the hub's ServiceAccount (TokenRequest API), written as the kubelet mounts it.
  const core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    namespace: HUB_NS,
    name: 'demo-labhub-hub',
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const sa = join(scratch, 'serviceaccount');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), tr.status!.token);
  writeFileSync(join(sa, 'ca.crt'), cluster.ca);
  writeFileSync(join(sa, 'namespace'), HUB_NS);
  const server = new URL(cluster.server);
  process.env.LABHUB_KUBE_SERVICEACCOUNT_DIR = sa;
  process.env.KUBERNETES_SERVICE_HOST = server.hostname;
  process.env.KUBERNETES_SERVICE_PORT = server.port;
});

after(async () => {
  await closeClusters();
  await agent?.stop();
  await cluster?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('in the cluster: the service account files are the configuration, the namespace is the hub’s', async () => {
  const kc = loadKubeConfig('');
  assert.equal(kc.getCurrentCluster()!.server, cluster.server.replace(/\/$/, ''));
  assert.equal(kc.getContextObject(kc.getCurrentContext())!.namespace, HUB_NS);
  const whoami = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  assert.equal(
    whoami.status!.userInfo!.username,
    `system:serviceaccount:${HUB_NS}:demo-labhub-hub`,
  );
});

test('with the chart’s RBAC the spawner does all it needs in its namespace: pod watch, events, PVC, Service', async () => {
  const sp = kubernetesSpawner.create(
    context('ana', { storage_pvc_ensure: true, storage_capacity: '1Gi' }),
  );
  const starting = sp.start();
  const lines: string[] = [];
  const reading = (async () => {
    for await (const ev of sp.progress!()) lines.push(ev.message);
  })();
  const { url } = await starting;
  await reading;
  assert.equal((await fetch(url + '/')).status, 200);
  assert.ok(
    lines.some((l) => /\[Normal\] Started container/.test(l)),
    'events readable',
  );
  assert.ok(lines.includes('PersistentVolumeClaim claim-ana created'), lines.join('\n'));
  assert.equal(sp.getState().namespace, HUB_NS, 'the namespace defaults to the hub’s own');
  assert.equal(await sp.poll(), null);
  await sp.stop();
  assert.equal(await sp.poll(), 0);

  // services_enabled: the Service is created (the test machine has no cluster DNS for its name,
  // so the start then fails on reaching it — not on a refusal)
  const svc = kubernetesSpawner.create(context('ben', { services_enabled: true }, 3));
  await assert.rejects(svc.start(), (e: unknown) => {
    assert.ok(isHubError(e), String(e));
    assert.doesNotMatch(e.userMessage, /forbidden/);
    assert.match(e.userMessage, /did not listen on jupyter-ben\./);
    return true;
  });
  const core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
  assert.equal(
    (await core.readNamespacedService({ namespace: HUB_NS, name: 'jupyter-ben' })).metadata!.name,
    'jupyter-ben',
  );
  assert.deepEqual(agent.errors(), []);
});

test('outside its namespace the hub’s service account is refused, with the API server’s message', async () => {
  const denied = kubernetesSpawner.create(context('cy', { namespace: OTHER_NS }));
  await assert.rejects(denied.start(), (e: unknown) => {
    assert.ok(isHubError(e), String(e));
    assert.match(
      e.userMessage,
      new RegExp(
        `system:serviceaccount:${HUB_NS}:demo-labhub-hub.*forbidden|forbidden.*system:serviceaccount:${HUB_NS}:demo-labhub-hub`,
      ),
    );
    return true;
  });
  const core = loadKubeConfig('').makeApiClient(k8s.CoreV1Api);
  const refused = (p: Promise<unknown>) =>
    assert.rejects(p, (err: { code?: number }) => err.code === 403);
  await refused(core.listPodForAllNamespaces());
  await refused(core.listNode());
  await refused(core.listNamespacedSecret({ namespace: HUB_NS }));
  await refused(core.readNamespacedPod({ namespace: HUB_NS, name: 'jupyter-ana' }));
});

/** A context as the hub makes it; no kubeconfig: the in-cluster configuration. */
function context(name: string, extra: Record<string, unknown> = {}, startTimeout = 20) {
  return kubeContext(name, extra, { startTimeout });
}
