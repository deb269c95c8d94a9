/**
 * Monthly server-hour budgets on a real hub with real (stand-in) servers and the usage clock
 * moved by hand: used up → the API refuses with 403 and the spawn page says why (English and
 * Chinese); a group's budget and admins are exempt from the default; a new month starts afresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hubFetch, startTestHub } from '../helpers/test-hub.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { ManualClock } from '../../src/core/usage/clock.js';

test('monthly server-hour budgets: refused with a clear message when used up, per group, admins exempt', async () => {
  const clock = new ManualClock('2026-11-30T12:00:00Z');
  const t = await startTestHub({
    clock,
    config: {
      Authenticator: { admin_users: ['root'] },
      Labhub: {
        usage: {
          sample_interval: 600,
          monthly_server_hours: 2,
          monthly_server_hours_per_group: { thesis: 5 },
        },
      },
    },
  });
  try {
    const root = await t.token('root', { admin: true });
    const store = t.hub.ctx.store;
    const tom = await store.users.ensure('tom');
    await store.groups.addMember((await store.groups.ensure('thesis')).id, tom.id);
    await store.users.ensure('eve');
    const server = (u: string, method: string) =>
      hubFetch(`${t.api}/users/${u}/server`, { method, token: root });
    const runTwoHours = async (u: string) => {
      assert.equal((await server(u, 'POST')).status, 201, `${u} starts`);
      for (let i = 0; i < 12; i++) {
        clock.advance(600_000);
        await t.hub.ctx.usage.tick();
      }
      assert.equal((await server(u, 'DELETE')).status, 204);
    };
    for (const u of ['eve', 'tom', 'root']) await runTwoHours(u);

    // eve has used her 2 hours: the API refuses, saying why.
    const refused = await server('eve', 'POST');
    assert.equal(refused.status, 403);
    const body = await refused.json();
    assert.equal(body.code, 'LABHUB_ERR_FORBIDDEN');
    assert.match(body.message, /used 2 of your 2 server-hours this month/);
    assert.match(body.message, /2026-12-01/);
    // … and so does the spawn page, in her language.
    const eve = new CookieClient(t.url);
    await eve.login('eve');
    const page = await eve.navigate('/hub/spawn');
    assert.equal(page.status, 403);
    assert.match(await page.text(), /You have used 2 of your 2 server-hours this month/);
    const zh = await eve.navigate('/hub/spawn', { 'Accept-Language': 'zh-CN' });
    assert.equal(zh.status, 403);
    assert.match(await zh.text(), /本月您已使用 2 服务器小时（额度 2）/);
    assert.equal(
      (await store.servers.get((await store.users.byName('eve'))!.id, ''))?.status,
      'stopped',
    );

    // tom's group gives him 5 hours; root is an admin: both may go on.
    assert.equal((await server('tom', 'POST')).status, 201);
    assert.equal((await server('root', 'POST')).status, 201);
    assert.equal((await server('tom', 'DELETE')).status, 204);
    assert.equal((await server('root', 'DELETE')).status, 204);

    // A new month: eve's budget is whole again.
    clock.set('2026-12-01T00:30:00Z');
    assert.equal((await server('eve', 'POST')).status, 201);
    assert.equal((await server('eve', 'DELETE')).status, 204);
  } finally {
    await t.stop();
  }
});
