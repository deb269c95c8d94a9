import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';

test('built-in idle culler (Labhub.idle_culler): stops idle servers only, when enabled', async () => {
  const t = await startTestHub({
    config: {
      Labhub: {
        idle_culler: { enabled: true, timeout: 3, interval: 1, max_age: 0, cull_users: false },
      },
    },
  });
  try {
    const admin = await t.token('admin', { admin: true });
    for (const name of ['sleepy', 'lively']) {
      await t.token(name);
      assert.ok(
        [201, 202].includes(
          (await hubFetch(`${t.api}/users/${name}/server`, { method: 'POST', token: admin }))
            .status,
        ),
      );
    }
    const ready = async (n: string) =>
      (await (await hubFetch(`${t.api}/users/${n}`, { token: admin })).json()).servers?.['']
        ?.ready === true;
    for (let i = 0; i < 100 && !((await ready('sleepy')) && (await ready('lively'))); i++)
      await new Promise((r) => setTimeout(r, 100));
    const tick = setInterval(() => {
      const now = new Date().toISOString();
      void hubFetch(`${t.api}/users/lively/activity`, {
        method: 'POST',
        token: admin,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ servers: { '': { last_activity: now } } }),
      });
    }, 500);
    try {
      let culled = false;
      for (let i = 0; i < 40 && !culled; i++) {
        await new Promise((r) => setTimeout(r, 250));
        culled = !(await ready('sleepy'));
      }
      assert.ok(culled, 'the idle server was stopped');
      assert.equal(await ready('lively'), true, 'the active one keeps running');
    } finally {
      clearInterval(tick);
    }
  } finally {
    await t.stop();
  }
});
