/**
 * Browser end to end (issue 2), on real parts: Chromium (playwright-core), the hub with its
 * labhub-proxy process, jupyterhub-singleuser 6 + JupyterLab 4 + ipykernel from labhub's pinned
 * Python environment.
 *
 * Two users log in through the login page in separate browser contexts, start their servers
 * through the hub's pages, and run `import os; print(os.getcwd())` in a notebook, each seeing
 * their own notebook directory. Alice cannot open Bob's JupyterLab. JupyterLab's File → Hub Control
 * Panel opens /hub/home. Alice logs out from JupyterLab's File → Log Out, and then /user/alice/lab
 * leads to the login page. The hub restarts while both servers run: Bob's open notebook still
 * runs cells in the same kernel, and Alice, logging in again, finds the same server process and
 * the same kernel.
 *
 * Screenshots of every open page are kept on failure (the path is printed); set
 * LABHUB_E2E_SHOTS=1 to keep the step screenshots of a passing run too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';
import {
  clickMenu,
  createNotebookViaApi,
  createNotebookViaLauncher,
  launchBrowser,
  loginViaForm,
  openNotebook,
  runInLastCell,
  saveNotebook,
  waitForLab,
  LAB_TIMEOUT_MS,
  type TestBrowser,
} from '../helpers/browser.js';

const CODE = 'import os; print(os.getcwd())';

/** The page reached /hub/spawn-pending/<user> and showed live progress events from the stream. */
async function expectSpawnProgress(page: Page, user: string, tb: TestBrowser): Promise<void> {
  await page.waitForURL(new RegExp(`/hub/spawn-pending/${user}(\\?|$)`), { timeout: 30_000 });
  const first = page.locator('#progress-log li').first();
  await first.waitFor({ state: 'attached', timeout: 30_000 });
  assert.match(
    (await first.textContent()) ?? '',
    /Server requested/,
    'the first progress event of the stream is shown',
  );
  await tb.step(page, `spawn-pending-${user}`);
}

test(
  'browser: two users log in, run a cell in their own JupyterLab, are kept apart, log out, survive a hub restart',
  { timeout: 15 * 60_000 },
  async (tt) => {
    const env = testEnv('.venv-singleuser6');
    const work = realpathSync(mkdtempSync(join(tmpdir(), 'labhub-e2e-')));
    const nbDir = (u: string) => join(work, 'notebooks', u);
    let t: TestHub | null = null;
    let tb: TestBrowser | null = null;
    let launching: Promise<TestBrowser> | null = null;
    let failed = true;
    try {
      // Chromium starts while the rest is set up; awaited when the first page is needed.
      launching = launchBrowser();
      launching.catch(() => undefined);
      t = await startTestHub({
        realSingleuser: true,
        config: {
          Spawner: {
            cmd: [env.command],
            notebook_dir: join(work, 'notebooks', '{username}'),
            default_url: '/lab',
          },
        },
      });
      const hub = t;
      const url = hub.url;
      tb = await launching;
      const browser = tb;
      const serverPid = async (name: string): Promise<number> => {
        const store = hub.hub.ctx.store;
        const u = await store.users.byName(name);
        assert.ok(u, `user ${name} exists`);
        const rec = await store.servers.get(u.id, '');
        assert.equal(rec?.status, 'running', `${name}'s server is running`);
        const pid = Number(rec?.state.pid);
        assert.ok(
          Number.isInteger(pid) && pid > 0,
          `${name}'s server state holds a pid (${JSON.stringify(rec?.state)})`,
        );
        process.kill(pid, 0); // throws if no such process
        return pid;
      };

      // 1. Alice logs in; with no `next`, the hub sends her to /hub/spawn → spawn-pending → her lab.
      const alice = await (await browser.newUser('alice')).newPage();
      await loginViaForm(alice, `${url}/hub/login`, 'alice');
      await expectSpawnProgress(alice, 'alice', browser);
      await alice.waitForURL(/\/user\/alice\/lab/, { timeout: LAB_TIMEOUT_MS });
      await waitForLab(alice);
      await browser.step(alice, 'alice-lab');

      // 2. Bob logs in to his control panel and presses Start there.
      const bob = await (await browser.newUser('bob')).newPage();
      await loginViaForm(bob, `${url}/hub/login?next=${encodeURIComponent('/hub/home')}`, 'bob');
      await bob.waitForURL(/\/hub\/home$/);
      await browser.step(bob, 'bob-home');
      await bob.locator('a.button[href$="/hub/spawn/bob"]').click();
      await expectSpawnProgress(bob, 'bob', browser);
      await bob.waitForURL(/\/user\/bob\/lab/, { timeout: LAB_TIMEOUT_MS });
      await waitForLab(bob);

      // 3. Each runs the cell in a notebook and sees their own notebook directory.
      const aliceNb = await createNotebookViaLauncher(alice);
      assert.match(aliceNb, /\.ipynb$/, 'the launcher opened a notebook');
      assert.equal(await runInLastCell(alice, CODE), nbDir('alice'));
      await browser.step(alice, 'alice-cell');
      await createNotebookViaApi(bob, '/user/bob/', 'bob.ipynb');
      assert.equal(await runInLastCell(bob, CODE), nbDir('bob'));
      await browser.step(bob, 'bob-cell');
      // Save Alice's notebook (so leaving the page later asks nothing).
      await saveNotebook(alice);

      // 4. Alice cannot open Bob's JupyterLab: his server sends her to the hub's OAuth step, which refuses.
      const probe = await alice.context().newPage();
      const refused = await probe.goto(`${url}/user/bob/lab`);
      assert.ok(refused, 'a response for /user/bob/lab');
      assert.ok(
        [403, 404].includes(refused.status()),
        `alice on /user/bob/lab: status ${refused.status()} at ${probe.url()}`,
      );
      assert.match(probe.url(), /\/hub\/api\/oauth2\/authorize\?.*client_id=jupyterhub-user-bob/);
      assert.equal(
        await probe.locator('#jp-main-dock-panel').count(),
        0,
        "no JupyterLab for alice on bob's server",
      );
      assert.ok(
        !(await alice.context().cookies(`${url}/user/bob/`)).some(
          (c) => c.name === 'jupyterhub-user-bob',
        ),
        "alice holds no cookie of bob's server",
      );
      await browser.step(probe, 'alice-refused-bob');
      await probe.close();

      // 5. File → Hub Control Panel opens the hub's home page in a new tab.
      const [panel] = await Promise.all([
        alice.context().waitForEvent('page'),
        clickMenu(alice, 'File', 'hub:control-panel'),
      ]);
      await panel.waitForURL(/\/hub\/home$/);
      // Alice's own control panel: her name in the header, her running server with an Open link.
      await panel.locator('main a.button[href="/user/alice/"]').waitFor();
      assert.match(
        await panel.locator('body').innerText(),
        /\balice\b/,
        'the control panel names alice',
      );
      await browser.step(panel, 'alice-control-panel');
      await panel.close();

      // 6. Alice logs out with File → Log Out: she lands on the login page, and her lab is closed to her.
      const alicePid = await serverPid('alice');
      const visited: string[] = [];
      const onRequest = (r: Request) =>
        void (
          r.isNavigationRequest() &&
          r.frame() === alice.mainFrame() &&
          visited.push(new URL(r.url()).pathname)
        );
      alice.on('request', onRequest);
      await clickMenu(alice, 'File', 'hub:logout');
      await alice.waitForURL(/\/hub\/login(\?|$)/);
      alice.off('request', onRequest);
      // JupyterLab's Log Out goes to the server's logout, which sends the browser to the hub's.
      assert.deepEqual(
        visited,
        ['/user/alice/logout', '/hub/logout', '/hub/login'],
        'the logout path',
      );
      await alice.locator('input[name="username"]').waitFor();
      const after = await alice.goto(`${url}/user/alice/lab`);
      assert.ok(
        after && after.ok(),
        `after logout /user/alice/lab ends on a page (${after?.status()})`,
      );
      assert.match(
        alice.url(),
        /\/hub\/login\?next=/,
        `after logout /user/alice/lab leads to the login page, not ${alice.url()}`,
      );
      await alice.locator('input[name="username"]').waitFor();
      assert.equal(
        await alice.locator('#jp-main-dock-panel').count(),
        0,
        'no JupyterLab after logout',
      );
      await browser.step(alice, 'alice-logged-out');

      // 7. The hub restarts while both servers run (proxy and servers keep running).
      const bobPid = await serverPid('bob');
      await hub.restart();
      assert.equal(await serverPid('bob'), bobPid, "bob's server was reattached, not restarted");

      // Bob's still-open notebook runs another cell in the same kernel (`os` is still imported).
      assert.equal(
        await runInLastCell(bob, "print('bob after restart', os.getcwd())"),
        `bob after restart ${nbDir('bob')}`,
      );
      await browser.step(bob, 'bob-after-restart');

      // Alice logs in again: same server process, and her kernel still holds her session's state.
      await loginViaForm(alice, `${url}/hub/login`, 'alice');
      await alice.waitForURL(/\/user\/alice\/lab/, { timeout: LAB_TIMEOUT_MS });
      await waitForLab(alice);
      assert.equal(
        await serverPid('alice'),
        alicePid,
        "alice's server is the same process after the restart",
      );
      await openNotebook(alice, '/user/alice/', aliceNb);
      assert.equal(
        await runInLastCell(alice, "print('alice after restart', os.getcwd())"),
        `alice after restart ${nbDir('alice')}`,
      );
      await browser.step(alice, 'alice-after-restart');
      failed = false;
    } finally {
      // Started but not yet taken when the set-up failed: closed with the rest.
      tb ??= (await launching?.catch(() => null)) ?? null;
      if (failed && tb) {
        const shots = await tb.screenshotAll('failure');
        tt.diagnostic(`screenshots: ${tb.shotDir}\n  ${shots.join('\n  ')}`);
        if (tb.problems.length)
          tt.diagnostic(`browser problems:\n  ${tb.problems.slice(-20).join('\n  ')}`);
      }
      const keepShots = failed || !!process.env.LABHUB_E2E_SHOTS;
      if (tb && keepShots && !failed) tt.diagnostic(`screenshots: ${tb.shotDir}`);
      await tb?.close({ keepShots });
      await t?.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
);
