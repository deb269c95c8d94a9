/**
 * Browser journey on Kubernetes (issue 17), on real parts: Chromium → labhub-proxy → the hub with
 * the `kubernetes` spawner → a real kube-apiserver + etcd (test/helpers/kube-cluster.ts) → the
 * test node agent running the pod's container as a local process on its own pod IP
 * (test/helpers/kube-node-agent.ts): the real jupyterhub-singleuser 6.1.1 with JupyterLab 4 and
 * ipykernel (.venv-singleuser6 stands in for the image). A user picks a profile on the spawn
 * page, sees the pod's Kubernetes events in the progress, reaches JupyterLab and runs a cell
 * that reads the pod's environment; the hub restarts and finds the pod again from its state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { dirname } from 'node:path';
import { startKubeCluster, type KubeCluster } from '../helpers/kube-cluster.js';
import { startKubeNodeAgent, type KubeNodeAgent } from '../helpers/kube-node-agent.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';
import {
  createNotebookViaApi,
  launchBrowser,
  loginViaForm,
  runInLastCell,
  waitForLab,
  LAB_TIMEOUT_MS,
  type TestBrowser,
} from '../helpers/browser.js';

const IMAGE = 'quay.io/jupyter/base-notebook:labhub-test';
const NS = 'labhub-users';

test(
  'browser on Kubernetes: login, profile, pod events in the progress, JupyterLab in a pod runs a cell, hub restart reattaches',
  { timeout: 10 * 60_000 },
  async (tt) => {
    const env = testEnv('.venv-singleuser6');
    let cluster: KubeCluster | null = null;
    let agent: KubeNodeAgent | null = null;
    let t: TestHub | null = null;
    let tb: TestBrowser | null = null;
    let launching: Promise<TestBrowser> | null = null;
    let failed = true;
    try {
      // Chromium starts while the rest is set up; awaited when the first page is needed.
      launching = launchBrowser();
      launching.catch(() => undefined);
      cluster = await startKubeCluster();
      await cluster.createNamespace(NS);
      agent = await startKubeNodeAgent(cluster.kubeConfig(), {
        images: { [IMAGE]: { path: [dirname(env.command)] } },
      });
      t = await startTestHub({
        realSingleuser: true,
        config: {
          JupyterHub: { spawner_class: 'kubespawner.KubeSpawner' },
          // The node agent runs the container as the test's own user; Jupyter refuses root without this.
          Spawner: { args: process.getuid?.() === 0 ? ['--allow-root'] : [] },
          KubeSpawner: {
            kubeconfig: cluster.kubeconfig,
            namespace: NS,
            image: IMAGE,
            cmd: ['jupyterhub-singleuser'],
            environment: { TEAM: '{username}-team' },
            profile_list: [
              { display_name: 'Small', slug: 'small', default: true },
              {
                display_name: 'Large',
                slug: 'large',
                kubespawner_override: { mem_limit: '2G', extra_labels: { size: 'large' } },
              },
            ],
          },
        },
      });
      const hub = t;
      tb = await launching;
      const page = await (await tb.newUser('alice')).newPage();
      await loginViaForm(page, `${hub.url}/hub/login`, 'alice');

      // The spawn page offers the profiles; alice picks Large.
      await page.waitForURL(/\/hub\/spawn(\/alice)?(\?|$)/, { timeout: 30_000 });
      await page.locator('input[name="profile"][value="large"]').check();
      await tb.step(page, 'k8s-spawn-form');
      await page.locator('#spawn-form button[type="submit"]').click();

      // Progress: the hub's own steps, then the pod's events from the cluster.
      await page.waitForURL(/\/hub\/spawn-pending\/alice/, { timeout: 30_000 });
      await page
        .locator('#progress-log li', { hasText: /\[Normal\] Started container notebook/ })
        .first()
        .waitFor({ state: 'attached', timeout: LAB_TIMEOUT_MS });
      await tb.step(page, 'k8s-spawn-pending');
      await page.waitForURL(/\/user\/alice\/lab/, { timeout: LAB_TIMEOUT_MS });
      await waitForLab(page);
      await tb.step(page, 'k8s-lab');

      // The kernel runs in the pod: the pod's environment, as KubeSpawner would set it.
      await createNotebookViaApi(page, '/user/alice/', 'k8s.ipynb');
      const out = await runInLastCell(
        page,
        "import os; print(os.environ['TEAM'], os.environ['MEM_LIMIT'], os.environ['HOSTNAME'])",
      );
      assert.equal(out, `alice-team ${2 * 1024 ** 3} jupyter-alice`);
      await tb.step(page, 'k8s-cell');

      const core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
      const pod = await core.readNamespacedPod({ namespace: NS, name: 'jupyter-alice' });
      assert.equal(pod.metadata!.labels!.size, 'large');
      assert.equal(pod.metadata!.annotations!['hub.jupyter.org/username'], 'alice');

      // The hub restarts: it finds the pod from the stored state, the same kernel still answers.
      await hub.restart();
      const store = hub.hub.ctx.store;
      const rec = await store.servers.get((await store.users.byName('alice'))!.id, '');
      assert.equal(rec?.status, 'running');
      assert.equal(rec?.state.pod_name, 'jupyter-alice');
      assert.equal(
        await runInLastCell(page, "print('after restart', os.environ['TEAM'])"),
        'after restart alice-team',
      );
      failed = false;
    } finally {
      // Started but not yet taken when the set-up failed: closed with the rest.
      tb ??= (await launching?.catch(() => null)) ?? null;
      if (failed && tb) {
        const shots = await tb.screenshotAll('failure');
        tt.diagnostic(`screenshots: ${tb.shotDir}\n  ${shots.join('\n  ')}`);
        if (tb.problems.length)
          tt.diagnostic(`browser problems:\n  ${tb.problems.slice(-20).join('\n  ')}`);
        if (agent) tt.diagnostic(`pod log:\n${agent.logs(NS, 'jupyter-alice').slice(-3000)}`);
      }
      await tb?.close({ keepShots: failed || !!process.env.LABHUB_E2E_SHOTS });
      await t?.stop();
      await agent?.stop();
      await cluster?.stop();
    }
  },
);
