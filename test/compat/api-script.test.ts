/** A Python script using the REST API exactly as JupyterHub's docs show, run against labhub. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT, startTestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';

test('a requests-based REST API script (JupyterHub docs style) works unchanged', async () => {
  const PYTHON = testEnv('.venv-singleuser6').python;
  const t = await startTestHub();
  try {
    const admin = await t.token('ops', { admin: true });
    // Asynchronously: the hub runs in this process and must keep serving while the script runs.
    const r = await promisify(execFile)(
      PYTHON,
      [join(ROOT, 'test/compat/fixtures/api_script.py')],
      {
        env: { ...process.env, HUB_API_URL: t.api, ADMIN_TOKEN: admin },
        encoding: 'utf8',
        timeout: 60_000,
      },
    ).catch((e) => {
      throw new Error(`script failed:\n${e.stdout}\n${e.stderr}`);
    });
    const steps = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((s) => [s.step, s]),
    );
    assert.deepEqual([steps.whoami.name, steps.whoami.kind], ['ops', 'user']);
    assert.equal(steps.create.status, 201);
    assert.equal(steps.token.note, 'from a script');
    assert.ok([201, 202].includes(steps.start.status));
    assert.equal(steps.ready.url, '/user/scripted/');
    assert.deepEqual(steps.list.names, ['scripted']);
    assert.equal(steps.list.total, 1);
    assert.equal(steps.stop.status, 204);
  } finally {
    await t.stop();
  }
});
