/**
 * Browser journey through the docker spawner, on real parts: a private dockerd (Debian's
 * docker.io) with the test image (jupyterhub-singleuser 6 + JupyterLab 4 from PyPI in a
 * debootstrapped Debian, scripts/setup-docker.mjs), the hub and labhub-proxy, Chromium.
 *
 * Alice logs in, the spawn page shows the container's progress, her JupyterLab opens from the
 * container (host network: the server reaches the hub API on 127.0.0.1), and a cell runs as the
 * image's user in her home, a per-user named volume. The hub restarts and finds the container
 * again by its id. Registered by docker.test.ts, which starts the dockerd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import {
  createNotebookViaApi,
  launchBrowser,
  loginViaForm,
  runInLastCell,
  waitForLab,
  LAB_TIMEOUT_MS,
  type TestBrowser,
} from '../helpers/browser.js';
import type { PrivateDockerd } from '../helpers/dockerd.js';

/** The browser journey against the dockerd `docker()` returns (started in a before hook). */
export function journeyCases(docker: () => PrivateDockerd): void {
  test(
    'browser: a user logs in and runs a cell in JupyterLab in her own container; the hub restart reattaches',
    { timeout: 10 * 60_000 },
    async () => {
      const dockerd = docker();
      let t: TestHub | null = null;
      let tb: TestBrowser | null = null;
      try {
        // The hub and the browser start at the same time (neither needs the other yet).
        const hub = startTestHub({
          realSingleuser: true,
          config: {
            JupyterHub: { spawner_class: 'dockerspawner.DockerSpawner' },
            DockerSpawner: {
              image: dockerd.image,
              pull_policy: 'never',
              network_name: 'host',
              remove: true,
              volumes: { 'jupyterhub-user-{username}': '/home/jovyan' },
              client_kwargs: { base_url: `unix://${dockerd.socketPath}` },
            },
          },
        });
        const [h, b] = await Promise.allSettled([hub, launchBrowser()]);
        // If one failed, the other one is stopped in the finally below.
        if (h.status === 'fulfilled') t = h.value;
        if (b.status === 'fulfilled') tb = b.value;
        if (h.status === 'rejected') throw h.reason;
        if (b.status === 'rejected') throw b.reason;
        t = h.value;
        tb = b.value;
        const page = await (await tb.newUser('alice')).newPage();
        await loginViaForm(page, `${t.url}/hub/login`, 'alice');
        await page.waitForURL(/\/hub\/spawn-pending\/alice/, { timeout: 30_000 });
        const log = page.locator('#progress-log li');
        await log.first().waitFor({ state: 'attached', timeout: 30_000 });
        await page.waitForURL(/\/user\/alice\/lab/, { timeout: LAB_TIMEOUT_MS });
        await waitForLab(page);

        const store = t.hub.ctx.store;
        const u = await store.users.byName('alice');
        const rec = await store.servers.get(u!.id, '');
        assert.equal(rec?.state.object_name, 'jupyter-alice');
        const id = String(rec?.state.object_id);
        assert.match(dockerd.cli(['ps', '-q', '--no-trunc']), new RegExp(id));

        await createNotebookViaApi(page, '/user/alice/', 'docker.ipynb');
        const out = await runInLastCell(page, 'import os; print(os.getuid(), os.getcwd())');
        assert.equal(out, '1000 /home/jovyan', 'the cell runs as jovyan in the named volume');
        assert.match(
          dockerd.cli(['volume', 'ls', '--format', '{{.Name}}']),
          /jupyterhub-user-alice/,
        );

        // Hub restart: the server keeps running and the new hub finds its container by id.
        await t.restart();
        const again = await t.hub.ctx.store.servers.get(u!.id, '');
        assert.equal(again?.status, 'running');
        assert.equal(again?.state.object_id, id);
        const res = await fetch(`${t.url}/user/alice/api/status`, {
          headers: { Authorization: `token ${await t.token('alice')}` },
        });
        assert.equal(res.status, 200, 'the server answers through the proxy after the restart');
      } finally {
        await tb?.close();
        await t?.stop();
      }
    },
  );
}
