// The files labhub writes next to itself with the default configuration (database, cookie
// secret, proxy pid file) must never show up in `git status` of a clone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.js';
import { settingsFromConfig } from './settings-from-config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const inGit = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT }).status === 0;

test(
  'the files labhub writes by default are git-ignored',
  { skip: !inGit && 'not a git checkout' },
  () => {
    const empty = mkdtempSync(join(tmpdir(), 'labhub-defaults-'));
    try {
      const s = settingsFromConfig(loadConfig({ cwd: empty }).config, 'dummy');
      const files = [s.dbUrl.replace(/^sqlite:\/\/\//, ''), s.cookieSecretFile, s.proxy.pidFile];
      assert.deepEqual(files, [
        'jupyterhub.sqlite',
        'jupyterhub_cookie_secret',
        'jupyterhub-proxy.pid',
      ]);
      for (const f of files) {
        const r = spawnSync('git', ['check-ignore', '--no-index', '-q', f], { cwd: ROOT });
        assert.equal(r.status, 0, `${f} is not in .gitignore`);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  },
);
