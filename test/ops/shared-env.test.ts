/**
 * The shared environment admins manage (Labhub.shared_env_dir), with real pip from PyPI and the
 * real jupyterhub-singleuser 6 of labhub's test venv:
 *  - `labhub env install tomli-w==1.0.0` (the real command) pins and installs a small pure-Python
 *    package; a user's JupyterLab kernel, reached through the hub and labhub-proxy, imports it
 *    from the shared environment;
 *  - a version that does not exist fails, from the command and from the admin page, with pip's
 *    message, and the environment is exactly as it was (same version directory, same files);
 *  - `labhub env remove` takes it out again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, startTestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { journey } from '../compat/journey.js';

const PKG = 'tomli-w';
const VERSION = '1.0.0';

function labhub(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'),
      join(ROOT, 'src/cli/main.ts'),
      ...args,
    ],
    { cwd, encoding: 'utf8', timeout: 180_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file of the shared environment with its size and mtime, and where `current` points. */
function snapshot(dir: string): string {
  const out: string[] = [`current -> ${readlinkSync(join(dir, 'current'))}`];
  const walk = (p: string) => {
    for (const n of readdirSync(p).sort()) {
      const f = join(p, n);
      const st = statSync(f);
      out.push(`${relative(dir, f)} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(f);
    }
  };
  walk(join(dir, 'versions'));
  return out.join('\n');
}

test(
  'shared environment: labhub env installs a pinned package a kernel imports; a failed install changes nothing',
  { timeout: 600_000 },
  async () => {
    const env = testEnv('.venv-singleuser6');
    const work = mkdtempSync(join(tmpdir(), 'labhub-shared-env-'));
    const shared = join(work, 'shared');
    const cfg = { Spawner: { cmd: [env.command] }, Labhub: { shared_env_dir: shared } };
    writeFileSync(join(work, 'labhub.json'), JSON.stringify(cfg));
    try {
      const off = labhub(['env', 'list', '-f', 'labhub.json'], work);
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /no packages/);

      const ok = labhub(['env', 'install', `${PKG}==${VERSION}`, '-f', 'labhub.json'], work);
      assert.equal(ok.code, 0, `install: ${ok.stderr}`);
      const listed = labhub(['env', 'list', '-f', 'labhub.json'], work);
      assert.equal(listed.stdout.trim(), `tomli_w==${VERSION}`, 'listed, pinned');
      assert.match(
        readFileSync(join(shared, 'current', 'requirements.txt'), 'utf8'),
        /^tomli_w==1\.0\.0$/m,
      );

      const before = snapshot(shared);
      const bad = labhub(['env', 'install', `${PKG}==99.0`, '-f', 'labhub.json'], work);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /pip failed resolving .*the shared environment was not changed/);
      assert.match(bad.stderr, /No matching distribution found for tomli-w==99\.0/);
      assert.equal(snapshot(shared), before, 'the environment is exactly as it was');

      // A user's kernel imports it (login, spawn, OAuth to JupyterLab, kernel over the WebSocket).
      const t = await startTestHub({
        realSingleuser: true,
        config: { ...cfg, Authenticator: { allow_all: true, admin_users: ['admin'] } },
      });
      try {
        const r = await journey(
          t.url,
          'alice',
          'pw',
          'import tomli_w\nprint("FROM", tomli_w.__file__)',
        );
        assert.match(r.output, new RegExp(`FROM ${shared}/current/site/tomli_w/`), r.output);

        // The admin page lists it, and refuses a version that does not exist, changing nothing.
        const c = new CookieClient(t.url);
        assert.equal((await c.login('admin')).status, 302);
        const page = await c.fetch('/hub/admin/environment');
        const html = await page.text();
        assert.equal(page.status, 200);
        assert.match(html, /data-package="tomli_w"/);
        const xsrf = /<meta name="xsrf" content="([^"]+)"/.exec(html)![1];
        const post = await c.fetch('/hub/admin/environment', {
          method: 'POST',
          body: new URLSearchParams({ action: 'install', packages: `${PKG}==99.0`, _xsrf: xsrf }),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        const answer = await post.text();
        assert.equal(post.status, 400);
        assert.match(answer, /id="env-error"[\s\S]*No matching distribution found/);
        assert.equal(snapshot(shared), before, 'unchanged after the admin page too');
        const alice = new CookieClient(t.url);
        await alice.login('alice');
        assert.equal((await alice.fetch('/hub/admin/environment')).status, 403, 'admins only');
      } finally {
        await t.stop();
      }

      const rm = labhub(['env', 'remove', 'tomli_w', '-f', 'labhub.json'], work);
      assert.equal(rm.code, 0, rm.stderr);
      assert.deepEqual(readdirSync(join(shared, 'current', 'site')), [], 'removed');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
