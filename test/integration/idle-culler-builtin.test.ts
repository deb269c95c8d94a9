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

test('built-in idle culler with cull_users: the idle user goes with their server; an admin stays', async () => {
  const t = await startTestHub({
    config: {
      Labhub: { idle_culler: { enabled: true, timeout: 2, interval: 1, cull_users: true } },
    },
  });
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('temp1');
    for (const name of ['temp1', 'admin']) {
      const r = await hubFetch(`${t.api}/users/${name}/server`, { method: 'POST', token: admin });
      assert.ok([201, 202].includes(r.status), `${name}: ${r.status}`);
    }
    const exists = async (n: string) =>
      (await hubFetch(`${t.api}/users/${n}`, { token: admin })).status === 200;
    let gone = false;
    for (let i = 0; i < 80 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 250));
      gone = !(await exists('temp1'));
    }
    assert.ok(gone, 'the idle temporary user was deleted');
    assert.equal(await exists('admin'), true, 'an admin is never culled');
    let stopped = false;
    for (let i = 0; i < 80 && !stopped; i++) {
      const m = await (await hubFetch(`${t.api}/users/admin`, { token: admin })).json();
      stopped = !m.servers?.[''];
      if (!stopped) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(stopped, "the admin's idle server was stopped, the admin kept");
  } finally {
    await t.stop();
  }
});
