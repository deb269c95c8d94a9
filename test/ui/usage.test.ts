/**
 * The usage dashboard in a real Chromium, in English and Chinese: two simulated days of use
 * (the hub's usage clock moved by hand), the charts and their tables show the same numbers as
 * the API, every view passes the page checks (console/CSP, axe-core, no English on the Chinese
 * page). Screenshots go to docs/screenshots/usage-<lang>.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { t as msg, type Lang } from '../../src/http/i18n/index.js';
import { ManualClock } from '../../src/core/usage/clock.js';
import { UsageAccounting } from '../../src/core/usage/accounting.js';
import { silentLogger } from '../../src/log.js';
import { hubFetch, ROOT, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { checkPage, login, openPerson } from './ui.js';

let hub: TestHub;
let admin = '';
const clock = new ManualClock('2026-11-20T00:00:00Z');
const GROUPS = { 'class-2026': ['alice', 'bob', 'carol'], 'teaching-staff': ['dmitri'] };

before(async () => {
  hub = await startTestHub({ clock, config: { Authenticator: { admin_users: ['root'] } } });
  admin = await hub.token('root', { admin: true });
  const store = hub.hub.ctx.store;
  const ids = new Map<string, number>();
  for (const [g, members] of Object.entries(GROUPS)) {
    const group = await store.groups.ensure(g);
    for (const m of members) {
      const u = await store.users.ensure(m);
      ids.set(m, u.id);
      await store.groups.addMember(group.id, u.id);
    }
  }
  // Stand-in servers with made-up CPU and memory, through the same accounting the hub runs.
  const running = new Map<number, number>();
  const acc = new UsageAccounting({
    store,
    log: silentLogger(),
    clock,
    settings: { sampleInterval: 1800, rawRetentionHours: 48, retentionDays: 400 },
    spawnerId: 'local-process',
    running: () =>
      [...running.keys()].map((serverId) => ({
        serverId,
        usage: async () => {
          running.set(serverId, running.get(serverId)! + 300);
          return {
            cpuSeconds: running.get(serverId)!,
            memoryBytes: 400e6,
            source: 'proc' as const,
          };
        },
      })),
  });
  const servers = new Map<string, number>();
  for (const [name, id] of ids) servers.set(name, (await store.servers.ensure(id, '')).id);
  const start = async (name: string, profile: string) => {
    const serverId = servers.get(name)!;
    clock.advance(-3000); // requested three seconds before it answers (on the hour)
    await acc.requested({
      serverId,
      userId: ids.get(name)!,
      userName: name,
      serverName: '',
      userOptions: { profile },
    });
    clock.advance(3000);
    await acc.ready(serverId);
    running.set(serverId, 0);
  };
  const stop = async (name: string) => {
    const serverId = servers.get(name)!;
    running.delete(serverId);
    await acc.ended(serverId, { reason: 'stopped' });
  };
  const fail = async (name: string, detail: string) => {
    const serverId = servers.get(name)!;
    clock.advance(-60_000);
    await acc.requested({
      serverId,
      userId: ids.get(name)!,
      userName: name,
      serverName: '',
      userOptions: {},
    });
    clock.advance(60_000);
    await acc.ended(serverId, { reason: 'failed', detail });
  };
  const until = async (iso: string) => {
    while (clock.now() < new Date(iso)) {
      clock.advance(1_800_000);
      await acc.tick();
    }
  };
  for (const day of ['2026-11-20', '2026-11-21']) {
    await until(`${day}T08:00:00Z`);
    await start('alice', 'small');
    await start('dmitri', 'large');
    await until(`${day}T10:00:00Z`);
    await start('bob', 'small');
    await fail('carol', 'timeout');
    await until(`${day}T13:00:00Z`);
    await stop('alice');
    await fail('carol', 'spawn-failed');
    await until(`${day}T17:00:00Z`);
    await stop('bob');
    await stop('dmitri');
  }
  await until('2026-11-22T00:00:00Z');
});
after(async () => {
  await hub?.stop();
});

for (const lang of ['en', 'zh'] as Lang[]) {
  test(
    `usage dashboard in ${lang}: charts with table views, the API's numbers, axe clean`,
    { timeout: 120_000 },
    async () => {
      const zh = lang === 'zh';
      const tr = (k: Parameters<typeof msg>[1], p?: Parameters<typeof msg>[2]) => msg(lang, k, p);
      const person = await openPerson(`usage-${lang}`, { locale: zh ? 'zh-CN' : 'en-US' });
      const { page } = person;
      const where = `${lang} usage`;
      try {
        const url = '/hub/admin/usage?from=2026-11-20&to=2026-11-22';
        await login(page, hub.url, 'root', 'pw', `?next=${encodeURIComponent(url)}`);
        assert.equal(((await page.locator('h1').textContent()) ?? '').trim(), tr('usage.title'));
        // Three charts, each an image with a name, each followed by a table view.
        const charts = page.locator('svg.chart[role="img"]');
        assert.equal(await charts.count(), 3);
        assert.equal(await page.locator('details.chart-table').count(), 3);
        assert.equal(await page.locator('#spawns-requested').textContent(), '10');
        assert.equal(await page.locator('#spawns-started').textContent(), '6');
        // The group table says what the API says.
        const api = await (
          await hubFetch(`${hub.api}/labhub/usage?by=group&from=2026-11-20&to=2026-11-22`, {
            token: admin,
          })
        ).json();
        assert.deepEqual(
          api.items.map((r: { key: string; server_hours: number }) => [r.key, r.server_hours]),
          [
            ['class-2026', 24],
            ['teaching-staff', 18],
          ],
        );
        for (const d of await page.locator('details.chart-table summary').all()) await d.click();
        const groupRows = await page
          .locator('section[aria-labelledby="groups-h"] tbody tr')
          .evaluateAll((trs) =>
            trs.map((r) => Array.from(r.querySelectorAll('td')).map((c) => c.textContent)),
          );
        assert.deepEqual(
          groupRows.map((r) => [r[0], r[2]]),
          [
            ['class-2026', '24'],
            ['teaching-staff', '18'],
          ],
        );
        const failures = await page
          .locator('section[aria-labelledby="spawns-h"] tbody tr td:first-child')
          .allTextContents();
        assert.deepEqual(
          failures.sort(),
          [tr('usage.reason.spawn-failed'), tr('usage.reason.timeout')].sort(),
        );
        await checkPage(person, where, {
          zh,
          allowEnglish: ['root', 'class-2026', 'teaching-staff'],
        });
        mkdirSync(join(ROOT, 'docs/screenshots'), { recursive: true });
        await page.screenshot({
          path: join(ROOT, `docs/screenshots/usage-${lang}.png`),
          fullPage: true,
        });
        // A bad range is a clear 400 page, not a crash.
        const bad = await page.goto(`${hub.url}/hub/admin/usage?from=2026-11-22&to=2026-11-20`);
        assert.equal(bad?.status(), 400);
        person.takeProblems();
      } finally {
        await person.close();
      }
    },
  );
}
