/**
 * Page customisation belongs to one hub: two hubs in one process, each with its own
 * JupyterHub.template_paths, each show their own login banner (it used to be a module variable,
 * so the hub started last won for both).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

const dirs: string[] = [];
const hubs: TestHub[] = [];

function templates(banner: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-tpl-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'login.html'), `<div class="alert">${banner}</div>\n{{content}}\n`);
  return dir;
}

before(async () => {
  for (const banner of ['Physics 101', 'Chemistry 202'])
    hubs.push(
      await startTestHub({ config: { JupyterHub: { template_paths: [templates(banner)] } } }),
    );
  hubs.push(await startTestHub());
});
after(async () => {
  for (const h of hubs) await h.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('two hubs in one process keep their own template overrides; a third without any has none', async () => {
  const pages = await Promise.all(
    hubs.map(async (h) => (await fetch(`${h.url}/hub/login`)).text()),
  );
  assert.match(pages[0]!, /<div class="alert">Physics 101<\/div>/);
  assert.doesNotMatch(pages[0]!, /Chemistry/);
  assert.match(pages[1]!, /<div class="alert">Chemistry 202<\/div>/);
  assert.doesNotMatch(pages[1]!, /Physics/);
  assert.doesNotMatch(pages[2]!, /Physics|Chemistry/);
  assert.match(pages[2]!, /<form/);
});
