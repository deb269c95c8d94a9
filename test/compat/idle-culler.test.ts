/**
 * The real jupyterhub-idle-culler (PyPI, pinned in python/requirements-culler.txt) runs as a
 * managed service of labhub with the documented minimal role, culls an idle server and leaves an
 * active one running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';

test('jupyterhub-idle-culler culls an idle server and leaves an active one', async () => {
  const CULLER = testEnv('.venv-culler').command;
  const t = await startTestHub({
    config: {
      JupyterHub: {
        services: [
          {
            name: 'idle-culler',
            command: [CULLER, '--timeout=6', '--cull-every=2', '--concurrency=2'],
          },
        ],
        load_roles: [
          {
            name: 'idle-culler',
            scopes: ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'],
            services: ['idle-culler'],
          },
        ],
      },
    },
  });
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    const admin = await t.token('admin', { admin: true });
    for (const name of ['idle', 'busy']) {
      await t.token(name);
      const r = await hubFetch(`${t.api}/users/${name}/server`, { method: 'POST', token: admin });
      assert.ok(r.status === 201 || r.status === 202, `start ${name}: ${r.status}`);
    }
    const ready = async (name: string) =>
      (await (await hubFetch(`${t.api}/users/${name}`, { token: admin })).json()).servers?.['']
        ?.ready === true;
    for (let i = 0; i < 100 && !((await ready('idle')) && (await ready('busy'))); i++)
      await new Promise((r) => setTimeout(r, 100));
    // 'busy' reports activity every second, as a working single-user server would.
    keepAlive = setInterval(() => {
      const now = new Date().toISOString();
      void hubFetch(`${t.api}/users/busy/activity`, {
        method: 'POST',
        token: admin,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ last_activity: now, servers: { '': { last_activity: now } } }),
      });
    }, 1000);
    let culled = false;
    for (let i = 0; i < 60 && !culled; i++) {
      await new Promise((r) => setTimeout(r, 500));
      culled = !(await ready('idle'));
    }
    assert.ok(culled, 'the idle server was culled by jupyterhub-idle-culler');
    assert.equal(await ready('busy'), true, 'the active server was left running');
    const svc = t.hub.ctx.services.get('idle-culler');
    assert.ok(svc && svc.pid > 0, 'the culler runs as a managed service');
  } finally {
    if (keepAlive) clearInterval(keepAlive);
    await t.stop();
  }
});
