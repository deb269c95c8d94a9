// The test cluster itself: a real kube-apiserver + etcd (test/helpers/kube-cluster.ts) and the
// test node agent (test/helpers/kube-node-agent.ts) running pods as local processes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { startKubeNodeAgent, type KubeNodeAgent } from '../helpers/kube-node-agent.js';
import { freePort } from '../helpers/ports.js';
import { eventReasons, waitForPod as waitFor, waitNoPods } from '../helpers/kube-pods.js';

let cluster: KubeCluster;
let agent: KubeNodeAgent;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

before(async () => {
  cluster = await startKubeCluster({ users: [{ name: 'nobody' }] });
  kc = cluster.kubeConfig();
  core = kc.makeApiClient(k8s.CoreV1Api);
  agent = await startKubeNodeAgent(kc, { labels: { 'labhub.test/pool': 'users' } });
});

after(async () => {
  await agent?.stop();
  await cluster?.stop();
});

const waitForPod = (
  ns: string,
  name: string,
  pred: (pod: k8s.V1Pod | undefined, type: string) => boolean,
) => waitFor(kc, ns, name, pred);
const reasons = (ns: string, name: string) => eventReasons(core, ns, name);

function pod(
  name: string,
  command: string[],
  extra: Partial<k8s.V1Container> = {},
  spec: Partial<k8s.V1PodSpec> = {},
): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'notebook', image: 'test/python:3', command, ...extra }],
      ...spec,
    },
  };
}

test('the API server serves its version, RBAC applies to non-admin users', async () => {
  const v = await kc.makeApiClient(k8s.VersionApi).getCode();
  assert.equal(v.gitVersion, 'v1.35.4');
  const asNobody = cluster.kubeConfig('nobody').makeApiClient(k8s.CoreV1Api);
  await assert.rejects(
    asNobody.listNamespacedPod({ namespace: 'default' }),
    (err: { code?: number }) => err.code === 403,
  );
  const node = await core.readNode({ name: agent.nodeName });
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('a pod runs python3 -m http.server on its own pod IP, is reachable, reports events and is deleted', async () => {
  const ns = 'http-server';
  await cluster.createNamespace(ns);
  const port = await freePort();
  await core.createNamespacedPod({
    namespace: ns,
    body: pod('web', ['python3', '-m', 'http.server', String(port), '--bind', '0.0.0.0'], {
      ports: [{ containerPort: port, name: 'http' }],
      readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
      env: [{ name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    }),
  });
  const running = await waitForPod(
    ns,
    'web',
    (p) => p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
  );
  const ip = running!.status!.podIP!;
  assert.match(ip, /^127\.0\.0\.\d+$/);
  assert.notEqual(ip, '127.0.0.1', 'each pod gets its own loopback address');
  assert.equal(running!.spec!.nodeName, agent.nodeName, 'bound through the binding subresource');
  assert.equal(running!.status!.conditions!.find((c) => c.type === 'Ready')?.status, 'True');
  assert.ok(running!.status!.containerStatuses![0].state!.running);
  assert.equal(agent.podIP(ns, 'web'), ip);

  const res = await fetch(`http://${ip}:${port}/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Directory listing/);
  assert.deepEqual((await reasons(ns, 'web')).filter((r) => r !== 'Killing').sort(), [
    'Created',
    'Pulled',
    'Pulling',
    'Scheduled',
    'Started',
  ]);

  await core.deleteNamespacedPod({ namespace: ns, name: 'web', gracePeriodSeconds: 1 });
  await waitForPod(ns, 'web', (p, type) => type === 'DELETED' && p === undefined);
  await assert.rejects(fetch(`http://${ip}:${port}/`), 'the process is gone with its pod');
  assert.ok((await reasons(ns, 'web')).includes('Killing'));
  assert.match(agent.logs(ns, 'web'), /"GET \/ HTTP\/1\.1" 200/);
});

test('env, $(VAR) expansion, runAsUser and exit: restartPolicy Never ends Failed with the exit code', async () => {
  const ns = 'exit-code';
  await cluster.createNamespace(ns);
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 's' }, stringData: { token: 'sekrit' } },
  });
  await core.createNamespacedPod({
    namespace: ns,
    body: pod(
      'job',
      [
        'python3',
        '-c',
        'import os, sys; print("env", os.environ["TOKEN"], os.environ["POD"], os.environ["URL"], sys.argv[1], os.getuid(), flush=True); sys.exit(3)',
        '$(POD)',
      ],
      {
        env: [
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'URL', value: 'http://0.0.0.0:8888/user/x/' },
        ],
      },
      { restartPolicy: 'Never', securityContext: { runAsUser: 1000, fsGroup: 100 } },
    ),
  });
  const done = await waitForPod(ns, 'job', (p) => p?.status?.phase === 'Failed');
  const term = done!.status!.containerStatuses![0].state!.terminated!;
  assert.equal(term.exitCode, 3);
  assert.equal(term.reason, 'Error');
  const ip = done!.status!.podIP;
  const uid = process.getuid?.() === 0 ? 1000 : process.getuid?.();
  assert.equal(agent.logs(ns, 'job').trim(), `env sekrit job http://${ip}:8888/user/x/ job ${uid}`);
});

test('knobs: image pull failure and unschedulable pods, with the messages a cluster gives', async () => {
  const ns = 'knobs';
  await cluster.createNamespace(ns);
  agent.failImagePull('test/missing:1');
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'nopull' },
      spec: { containers: [{ name: 'notebook', image: 'test/missing:1', command: ['true'] }] },
    },
  });
  const backoff = await waitForPod(
    ns,
    'nopull',
    (p) => p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
  );
  assert.equal(backoff!.status!.phase, 'Pending');
  const events = await core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: 'involvedObject.name=nopull',
  });
  const failed = events.items.find(
    (e) => e.reason === 'Failed' && e.message!.startsWith('Failed to pull image'),
  );
  assert.match(failed!.message!, /Failed to pull image "test\/missing:1": .*not found/);
  assert.equal(failed!.type, 'Warning');

  const msg = '0/1 nodes are available: 1 Insufficient memory.';
  agent.setUnschedulable(msg);
  await core.createNamespacedPod({ namespace: ns, body: pod('big', ['sleep', '60']) });
  const pending = await waitForPod(
    ns,
    'big',
    (p) => p?.status?.conditions?.some((c) => c.reason === 'Unschedulable') ?? false,
  );
  assert.equal(pending!.status!.conditions![0].message, msg);
  assert.equal(pending!.spec!.nodeName, undefined);
  assert.ok((await reasons(ns, 'big')).includes('FailedScheduling'));
  agent.setUnschedulable(null);
  await waitForPod(ns, 'big', (p) => p?.status?.phase === 'Running');

  await core.createNamespacedPod({
    namespace: ns,
    body: pod('elsewhere', ['sleep', '60'], {}, { nodeSelector: { 'labhub.test/pool': 'gpu' } }),
  });
  const mismatch = await waitForPod(
    ns,
    'elsewhere',
    (p) => p?.status?.conditions?.some((c) => c.reason === 'Unschedulable') ?? false,
  );
  assert.match(
    mismatch!.status!.conditions![0].message!,
    /didn't match Pod's node affinity\/selector/,
  );
  await core.deleteNamespacedPod({ namespace: ns, name: 'big', gracePeriodSeconds: 1 });
  await waitForPod(ns, 'big', (p, type) => type === 'DELETED');
});

test('a ResourceQuota refuses a pod over it, as the API server admission does', async () => {
  const ns = 'quota';
  await cluster.createNamespace(ns);
  await cluster.createResourceQuota(ns, 'q', { 'limits.memory': '1Gi' });
  const body = (name: string, mem: string) =>
    pod(name, ['sleep', '60'], {
      resources: { limits: { memory: mem, cpu: '1' }, requests: { memory: mem, cpu: '1' } },
    });
  await assert.rejects(
    core.createNamespacedPod({ namespace: ns, body: body('huge', '2Gi') }),
    (err: { code?: number; body?: string }) => {
      assert.equal(err.code, 403);
      assert.match(
        String(err.body),
        /exceeded quota: q, requested: limits.memory=2Gi, used: limits.memory=0, limited: limits.memory=1Gi/,
      );
      return true;
    },
  );
});

test('pods deleted right after their creation: the agent meets no error and leaves no process behind', async () => {
  const ns = 'churn';
  await cluster.createNamespace(ns);
  for (let i = 0; i < 40; i++) {
    const name = `p${i}`;
    await core.createNamespacedPod({ namespace: ns, body: pod(name, ['sleep', '60']) });
    // deleted at once, or while the agent binds, starts or reports it
    await new Promise((r) => setTimeout(r, i * 3));
    await core.deleteNamespacedPod({ namespace: ns, name, gracePeriodSeconds: i % 2 });
  }
  await waitNoPods(core, ns);
  await new Promise((r) => setTimeout(r, 500)); // let the agent finish the work it queued
  assert.deepEqual(agent.errors(), []);
  assert.equal(agent.processes(), 0, 'no process of a deleted pod is left running');
});
