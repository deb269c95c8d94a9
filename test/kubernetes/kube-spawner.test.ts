/**
 * The `kubernetes` spawner against a real kube-apiserver + etcd (test/helpers/kube-cluster.ts)
 * and the test node agent running pods as local processes (test/helpers/kube-node-agent.ts):
 * the shared spawner contract, then what is Kubernetes' own — pod events in the progress, the
 * cluster's message for an image that cannot be pulled, an unschedulable pod and a used-up
 * ResourceQuota, reattaching after the spawner's watches are gone (a hub restart), one pod watch
 * per namespace whatever the number of servers, the PVC and profile overrides as created, the
 * Service of services_enabled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { startKubeNodeAgent, type KubeNodeAgent } from '../helpers/kube-node-agent.js';
import { spawnerContractSuite } from '../contracts/spawner-suite.js';
import { kubernetesSpawner } from '../../src/spawner/kubernetes/index.js';
import { kubeContext, TINY_IMAGE as IMAGE } from './context.js';
import { clusterFor, closeClusters } from '../../src/spawner/kubernetes/cluster.js';
import { isHubError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { JsonObject } from '../../src/util/json.js';
import type { SpawnerContext, SpawnProgress } from '../../src/spawner/types.js';

let cluster: KubeCluster;
let agent: KubeNodeAgent;
let core: k8s.CoreV1Api;
let nsCount = 0;
const stamp = Date.now().toString(36).slice(-5);

before(async () => {
  cluster = await startKubeCluster({ users: [{ name: 'hub' }] });
  core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
  agent = await startKubeNodeAgent(cluster.kubeConfig(), { images: { [IMAGE]: {} } });
});

after(async () => {
  await closeClusters();
  await agent?.stop();
  await cluster?.stop();
});

async function freshNamespace(): Promise<string> {
  const ns = `t${stamp}-${++nsCount}`;
  await cluster.createNamespace(ns);
  return ns;
}

let contractNs = '';
spawnerContractSuite({
  definition: kubernetesSpawner,
  async makeContext(req) {
    contractNs ||= await freshNamespace();
    return context(contractNs, req.userName, req.cmd ? { cmd: req.cmd } : {});
  },
  notApplicable: {
    notebookDir:
      "Spawner.notebook_dir is a directory inside the pod's file system, which the hub does not reach",
  },
});

async function collect(it: AsyncIterable<SpawnProgress>): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of it) out.push(ev.message);
  return out;
}

test('kubernetes: pod events stream into the progress; the pod and PVC are the ones configured', async () => {
  const ns = await freshNamespace();
  const sp = kubernetesSpawner.create(
    context(
      ns,
      'Eve.Events',
      {
        storage_pvc_ensure: true,
        storage_capacity: '1Gi',
        profile_list: [
          { display_name: 'Small', slug: 'small' },
          {
            display_name: 'Big',
            slug: 'big',
            kubespawner_override: { extra_labels: { size: 'big' }, mem_limit: '2G' },
          },
        ],
      },
      { userOptions: { profile: 'big' } },
    ),
  );
  const starting = sp.start();
  const lines = collect(sp.progress!());
  const { url } = await starting;
  const progress = await lines;
  assert.ok(
    progress.some((l) => /\[Normal\] Successfully assigned .* to /.test(l)),
    `a Scheduled event in ${JSON.stringify(progress)}`,
  );
  assert.ok(progress.some((l) => /\[Normal\] Started container notebook/.test(l)));
  assert.equal((await fetch(url + '/user/Eve.Events/')).status, 200);

  const name = String(sp.getState().pod_name);
  assert.match(name, /^jupyter-eve-events---[0-9a-f]{8}$/);
  const pod = await core.readNamespacedPod({ namespace: ns, name });
  assert.equal(pod.metadata!.labels!.size, 'big');
  assert.equal(pod.metadata!.labels!.component, 'singleuser-server');
  assert.equal(pod.spec!.containers[0]!.resources!.limits!.memory, String(2 * 1024 ** 3));
  const env = Object.fromEntries(pod.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
  assert.equal(env.MEM_LIMIT, String(2 * 1024 ** 3));
  assert.equal(env.JUPYTER_IMAGE, IMAGE);
  const pvc = await core.readNamespacedPersistentVolumeClaim({
    namespace: ns,
    name: String(sp.getState().pvc_name),
  });
  assert.equal(pvc.metadata!.labels!.component, 'singleuser-storage');
  assert.equal(pvc.spec!.resources!.requests!.storage, '1Gi');
  await sp.stop();
  assert.equal(await sp.poll(), 0);
});

test('kubernetes: an image that cannot be pulled fails the start with the cluster message', async () => {
  const ns = await freshNamespace();
  const image = `labhub-test/absent-${stamp}:1`;
  agent.failImagePull(image);
  const sp = kubernetesSpawner.create(context(ns, 'ivan', { image }));
  await assert.rejects(sp.start(), (e: unknown) => {
    assert.ok(isHubError(e), String(e));
    assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
    assert.match(e.userMessage, new RegExp(`Cannot pull the image ${image}`));
    assert.match(e.userMessage, /ErrImagePull|ImagePullBackOff/);
    return true;
  });
  assert.equal(await sp.poll(), 0, 'the failed pod is removed');
});

test('kubernetes: an unschedulable pod fails at start_timeout with the scheduler message', async () => {
  const ns = await freshNamespace();
  const message = `0/1 nodes are available: 1 Insufficient memory (${stamp}).`;
  agent.setUnschedulable(message);
  try {
    const sp = kubernetesSpawner.create(context(ns, 'una', {}, { startTimeout: 3 }));
    const starting = sp.start();
    const lines = collect(sp.progress!());
    await assert.rejects(starting, (e: unknown) => {
      assert.ok(isHubError(e), String(e));
      assert.equal(e.code, 'LABHUB_ERR_SPAWN_TIMEOUT');
      assert.ok(e.userMessage.includes(message), e.userMessage);
      return true;
    });
    assert.ok(
      (await lines).some((l) => l.includes(message)),
      'shown while waiting, too',
    );
  } finally {
    agent.setUnschedulable(null);
  }
});

test('kubernetes: a used-up ResourceQuota refuses the pod with the API server message', async () => {
  const ns = await freshNamespace();
  await cluster.createResourceQuota(ns, 'no-pods', { pods: '0' });
  const sp = kubernetesSpawner.create(context(ns, 'quinn'));
  await assert.rejects(sp.start(), (e: unknown) => {
    assert.ok(isHubError(e), String(e));
    assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
    assert.match(e.userMessage, /ResourceQuota.*exceeded quota: no-pods/);
    return true;
  });
});

test('kubernetes: one pod watch per namespace for many servers; reattach after the watches restart', async () => {
  const ns = await freshNamespace();
  const users = ['ra', 'rb', 'rc'];
  const link = clusterFor(cluster.kubeconfig, silentLogger());
  const before = link.watchCount();
  const spawners = users.map((u) => kubernetesSpawner.create(context(ns, u)));
  const urls = await Promise.all(spawners.map(async (sp) => (await sp.start()).url));
  assert.equal(new Set(urls).size, 3, 'each pod its own address');
  assert.equal(
    link.watchCount(),
    before + 1,
    'one more watch (this namespace), not one per server',
  );
  assert.equal(link.pods(ns, 'singleuser-server').size(), 3);
  const states = spawners.map((sp) => JSON.parse(JSON.stringify(sp.getState())) as JsonObject);

  // A hub restart: every watch and client of this process is gone; state comes from the database.
  await closeClusters();
  const again = users.map((u, i) => {
    const sp = kubernetesSpawner.create(context(ns, u));
    sp.loadState(states[i]!);
    return sp;
  });
  assert.deepEqual(await Promise.all(again.map((sp) => sp.poll())), [null, null, null]);
  assert.equal(clusterFor(cluster.kubeconfig, silentLogger()).watchCount(), 1);
  for (const sp of again) await sp.stop();
  assert.deepEqual(await Promise.all(again.map((sp) => sp.poll())), [0, 0, 0]);
  for (const url of urls) await assert.rejects(fetch(url + '/'));
});

test('kubernetes: a start saved by name before its pod exists is resumed from that state by another instance (resumeStart)', async () => {
  const ns = await freshNamespace();
  const ctx = context(ns, 'resumer');
  const first = kubernetesSpawner.create(ctx);
  let saved: JsonObject | null = null;
  ctx.stateChanged = () => {
    saved ??= JSON.parse(JSON.stringify(first.getState())) as JsonObject;
    return Promise.resolve();
  };
  const starting = first.start();
  for (let i = 0; i < 100 && !saved; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(saved!.pod_name, 'jupyter-resumer', 'the pod name is saved before it is created');
  // The adopter from that state, once the pod exists (an adopter comes replica_timeout later),
  // while it comes up.
  for (let i = 0; i < 100; i++) {
    const ok = await core.readNamespacedPod({ namespace: ns, name: 'jupyter-resumer' }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const adopter = kubernetesSpawner.create(context(ns, 'resumer'));
  adopter.loadState(saved!);
  const { url } = await adopter.resumeStart!();
  assert.equal((await fetch(url + '/')).status, 200, 'the server answers at the resumed URL');
  await starting.catch(() => undefined);
  await adopter.stop({ now: true });
  assert.equal(await adopter.poll(), 0);
  // Nothing created under the saved name: a clear failure (the adopter then cleans up).
  const none = kubernetesSpawner.create(context(ns, 'nobody'));
  none.loadState({ pod_name: 'jupyter-nobody', namespace: ns });
  await assert.rejects(none.resumeStart!(), /was not created before the hub replica/);
});

test('kubernetes: services_enabled puts a Service owned by the pod in front of it', async () => {
  const ns = await freshNamespace();
  // The Service's DNS name only resolves inside a cluster: the start times out waiting for it,
  // after the Service was accepted by the API server.
  const sp = kubernetesSpawner.create(
    context(ns, 'sam', { services_enabled: true }, { startTimeout: 2 }),
  );
  await assert.rejects(sp.start(), (e: unknown) => {
    assert.ok(isHubError(e), String(e));
    assert.match(e.userMessage, /did not listen on jupyter-sam\.[^.]+\.svc\.cluster\.local:8888/);
    return true;
  });
  const svc = await core.readNamespacedService({ namespace: ns, name: 'jupyter-sam' });
  assert.equal(svc.spec!.selector!.component, 'singleuser-server');
  assert.equal(svc.spec!.selector!['hub.jupyter.org/username'], 'sam');
  assert.deepEqual(
    svc.spec!.ports!.map((p) => [p.name, p.port, p.targetPort]),
    [['http', 8888, 8888]],
  );
  const owner = svc.metadata!.ownerReferences![0]!;
  assert.equal(owner.kind, 'Pod');
  assert.equal(owner.name, 'jupyter-sam');
});

test('kubernetes: the verbs docs/kubernetes.md lists are all the spawner needs (RBAC on)', async () => {
  const ns = await freshNamespace();
  const rbac = cluster.kubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: 'spawner' },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'create', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'spawner' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'spawner' },
      subjects: [{ kind: 'User', name: 'hub', apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
  const hubKubeconfig = cluster.users.hub!.kubeconfig;
  const sp = kubernetesSpawner.create(
    context(ns, 'rita', {
      kubeconfig: hubKubeconfig,
      storage_pvc_ensure: true,
      storage_capacity: '1Gi',
    }),
  );
  const starting = sp.start();
  const lines = collect(sp.progress!());
  const { url } = await starting;
  assert.ok(
    (await lines).some((l) => /\[Normal\] Started container/.test(l)),
    'events readable',
  );
  assert.equal((await fetch(url + '/')).status, 200);
  await sp.stop();
  assert.equal(await sp.poll(), 0);
  // Without the role, the same identity is refused with the API server's message.
  const other = await freshNamespace();
  const denied = kubernetesSpawner.create(context(other, 'rita', { kubeconfig: hubKubeconfig }));
  await assert.rejects(denied.start(), (e: unknown) => {
    assert.ok(isHubError(e), String(e));
    assert.match(e.userMessage, /forbidden/);
    return true;
  });
});

/** A context as the hub makes it, for user `name` in namespace `ns` of the test cluster. */
function context(
  ns: string,
  name: string,
  extra: Record<string, unknown> = {},
  more: { startTimeout?: number; userOptions?: JsonObject } = {},
): SpawnerContext {
  return kubeContext(name, { kubeconfig: cluster.kubeconfig, namespace: ns, ...extra }, more);
}
