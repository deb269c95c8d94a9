/**
 * usage() of Kubernetes servers from the metrics API, on a real kube-apiserver
 * (test/helpers/kube-cluster.ts). Without metrics.k8s.io the readings are null with one log line;
 * then metrics.k8s.io is served by a STAND-IN: a CustomResourceDefinition `pods.metrics.k8s.io`
 * (v1beta1, kind PodMetrics) whose objects the test writes in the documented PodMetrics JSON
 * (timestamp, window, containers[].usage.cpu/memory), as metrics-server would compute them. Not
 * tested here: a real metrics-server scraping a kubelet.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { kubernetesSpawner } from '../../src/spawner/kubernetes/index.js';
import { kubeContext } from './context.js';
import { closeClusters } from '../../src/spawner/kubernetes/cluster.js';
import {
  PodMetricsReader,
  parseQuantity,
  parseWindow,
} from '../../src/spawner/kubernetes/usage.js';

let cluster: KubeCluster;
before(async () => {
  cluster = await startKubeCluster();
});
after(async () => {
  await closeClusters();
  await cluster?.stop();
});

const NS = 'usage';
const MB = 1024 * 1024;

function capturingLogger(lines: string[]) {
  return pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s).msg) });
}

/** Serves metrics.k8s.io/v1beta1 `pods` from a CRD (the stand-in), once it is established. */
async function installStandIn(kc: k8s.KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({
    body: {
      metadata: {
        name: 'pods.metrics.k8s.io',
        annotations: { 'api-approved.kubernetes.io': 'unapproved, labhub test stand-in' },
      },
      spec: {
        group: 'metrics.k8s.io',
        scope: 'Namespaced',
        names: { plural: 'pods', singular: 'podmetrics', kind: 'PodMetrics' },
        versions: [
          {
            name: 'v1beta1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  timestamp: { type: 'string' },
                  window: { type: 'string' },
                  containers: {
                    type: 'array',
                    items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
              },
            },
          },
        ],
      },
    },
  });
  for (let i = 0; i < 200; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: 'pods.metrics.k8s.io' });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes (creates or replaces) a pod's PodMetrics like metrics-server reports them. */
async function writeMetrics(
  kc: k8s.KubeConfig,
  pod: string,
  m: { timestamp: string; window: string; cpu: string[]; memory: string[] },
): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const id = { group: 'metrics.k8s.io', version: 'v1beta1', namespace: NS, plural: 'pods' };
  const body: Record<string, unknown> = {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'PodMetrics',
    metadata: { name: pod, namespace: NS },
    timestamp: m.timestamp,
    window: m.window,
    containers: m.cpu.map((cpu, i) => ({
      name: `c${i}`,
      usage: { cpu, memory: m.memory[i] },
    })),
  };
  try {
    const old = (await api.getNamespacedCustomObject({ ...id, name: pod })) as {
      metadata: { resourceVersion: string };
    };
    (body.metadata as Record<string, unknown>).resourceVersion = old.metadata.resourceVersion;
    await api.replaceNamespacedCustomObject({ ...id, name: pod, body });
  } catch (e) {
    if (!(e instanceof k8s.ApiException && e.code === 404)) throw e;
    await api.createNamespacedCustomObject({ ...id, body });
  }
}

test('quantities and windows of the metrics API', () => {
  assert.equal(parseQuantity('250m'), 0.25);
  assert.equal(parseQuantity('123456789n'), 0.123456789);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('64Mi'), 64 * MB);
  assert.equal(parseQuantity('1k'), 1000);
  assert.ok(Number.isNaN(parseQuantity('12q')));
  assert.equal(parseWindow('30s'), 30);
  assert.equal(parseWindow('1m0.5s'), 60.5);
});

test('Kubernetes usage(): no metrics API → no readings and one log line; metrics.k8s.io PodMetrics (CRD stand-in on the real kube-apiserver) → CPU seconds and memory', async () => {
  const kc = cluster.kubeConfig();
  await cluster.createNamespace(NS);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // The server's pod (Pending: no node runs it; the spawner only needs it in its watch).
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name: 'jupyter-ann', labels: { component: 'singleuser-server' } },
      spec: { containers: [{ name: 'notebook', image: 'x' }] },
    },
  });

  // 1. No metrics API: null at every tick, one log line, no error.
  const lines: string[] = [];
  let now = Date.parse('2026-12-02T10:00:00Z');
  const reader = new PodMetricsReader(kc, capturingLogger(lines), () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(await reader.usage(NS, 'jupyter-ann', 'uid-1'), null);
    now += 60_000;
  }
  assert.equal(lines.filter((l) => /serves no metrics API/.test(l)).length, 1, lines.join('\n'));

  // 2. The metrics API appears: found again at the next look (ten minutes), one line says so.
  await installStandIn(kc);
  assert.equal(await reader.usage(NS, 'jupyter-ann', 'uid-1'), null, 'not looked for again yet');
  now += 10 * 60_000;
  assert.equal(await reader.usage(NS, 'jupyter-ann', 'uid-1'), null, 'no PodMetrics for it yet');
  assert.equal(lines.filter((l) => /answers now/.test(l)).length, 1, lines.join('\n'));
  assert.equal(lines.length, 2, 'a pod without metrics is not logged');

  // 3. Through the spawner: two containers summed; CPU rate integrated over time.
  const spLines: string[] = [];
  const sp = kubernetesSpawner.create(context(capturingLogger(spLines)));
  sp.loadState({ pod_name: 'jupyter-ann', namespace: NS });
  await writeMetrics(kc, 'jupyter-ann', {
    timestamp: '2026-12-02T10:20:00Z',
    window: '30s',
    cpu: ['500m', '250000000n'],
    memory: ['100Mi', '28Mi'],
  });
  const first = await sp.usage!();
  assert.deepEqual(first, { cpuSeconds: 0.75 * 30, memoryBytes: 128 * MB, source: 'metrics-api' });
  await writeMetrics(kc, 'jupyter-ann', {
    timestamp: '2026-12-02T10:21:00Z',
    window: '30s',
    cpu: ['1', '0'],
    memory: ['200Mi', '0'],
  });
  const second = await sp.usage!();
  assert.deepEqual(second, {
    cpuSeconds: 0.75 * 30 + 60,
    memoryBytes: 200 * MB,
    source: 'metrics-api',
  });
  assert.deepEqual(await sp.usage!(), second, 'the same metrics window adds nothing');
  assert.equal(spLines.length, 0, spLines.join('\n'));

  // A server whose pod is gone has no reading.
  await core.deleteNamespacedPod({ namespace: NS, name: 'jupyter-ann', gracePeriodSeconds: 0 });
  for (let i = 0; i < 100 && (await sp.usage!()) !== null; i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(await sp.usage!(), null);
});

function context(log: ReturnType<typeof capturingLogger>) {
  return kubeContext(
    'ann',
    { kubeconfig: cluster.kubeconfig, namespace: NS, image: 'x', cmd: undefined },
    { log },
  );
}
