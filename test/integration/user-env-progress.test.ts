// The first spawn waits for labhub's Python environment: the progress stream (what the spawn
// page shows) and the hub log tell what is being done, how far and how long, with rising
// progress. The environment is built for real (python3 -m venv, pip) from a requirements file
// naming a local wheel that provides a stand-in jupyterhub-singleuser: no network needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ROOT, hubFetch, startTestHub } from '../helpers/test-hub.js';
import { readEvents } from '../api/helpers.js';

test('a spawn waiting for the Python environment streams its steps with rising progress; the hub log tells them at info level', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-envprog-'));
  chmodSync(dir, 0o755);
  const wheel = execFileSync(
    'python3',
    [join(ROOT, 'test/spawner/fixtures/fake-singleuser/build_wheel.py'), dir],
    { encoding: 'utf8' },
  ).trim();
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `${wheel}\n`);
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as never) },
  );
  const t = await startTestHub({
    logger,
    config: {
      Spawner: {
        cmd: ['jupyterhub-singleuser'],
        // Whatever this machine has on PATH, the server must come from labhub's environment.
        environment: { PATH: '/usr/bin:/bin' },
        http_timeout: 60,
        start_timeout: 600,
      },
      Labhub: { user_env_dir: join(dir, 'venv'), user_env_requirements: req },
    },
  });
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('ann');
    const r = await hubFetch(`${t.api}/users/ann/server`, { method: 'POST', token: admin });
    assert.ok([201, 202].includes(r.status), `start: ${r.status}`);
    // The stream ends with the terminal event (ready or failed).
    const { events } = await readEvents(t, '/users/ann/server/progress', admin);
    const last = events[events.length - 1];
    assert.equal(last.ready, true, JSON.stringify(events, null, 1));

    const env = events.filter((e) =>
      /Python environment|pip: |pinned package/.test(String(e.message)),
    );
    const says = (re: RegExp) => env.some((e) => re.test(e.message));
    assert.ok(says(/^Creating a Python environment in .*venv/), 'says it creates the venv');
    assert.ok(says(/^Created the Python environment in \d+(\.\d)? s$/), 'and how long it took');
    assert.ok(
      says(/^Installing 1 pinned package\(s\) from .*requirements\.txt/),
      'what pip installs',
    );
    assert.ok(says(/^pip: installed 1 package\(s\) in \d+(\.\d)? s$/), 'how long pip took');
    assert.ok(says(/^Python environment ready in \d+(\.\d)? s: /), 'when it is ready');
    // Progress rises through the build (never back, never stuck): at least four steps.
    const values = env.map((e) => e.progress as number);
    assert.ok(
      values.every((v) => typeof v === 'number'),
      'every env event has a progress',
    );
    for (let i = 1; i < values.length; i++)
      assert.ok(values[i]! >= values[i - 1]!, `progress never goes back: ${values.join(', ')}`);
    assert.ok(new Set(values).size >= 4, `progress moves: ${values.join(', ')}`);
    assert.ok(values[0]! >= 50 && values[values.length - 1]! <= 75, values.join(', '));
    const all = events.map((e) => e.progress).filter((p) => typeof p === 'number');
    for (let i = 1; i < all.length; i++) assert.ok(all[i] >= all[i - 1], all.join(', '));

    // The hub log: the steps at info level (30), pip's raw output only at debug (20).
    const info = lines.filter((l) => l.level === 30).map((l) => l.msg);
    assert.ok(
      info.some((m) => /Python (user )?environment: Creating a Python environment/.test(m)),
      info.join('\n'),
    );
    assert.ok(info.some((m) => /Python (user )?environment: Python environment ready in /.test(m)));
    assert.ok(!info.some((m) => /^(Python (user )?environment: )?Processing \//.test(m)));

    // The server really came from that environment.
    const facts = await (await fetch(`${t.url}/user/ann/`)).json();
    assert.equal(facts.fake, 'singleuser');
  } finally {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('building the Python environment does not count toward start_timeout: a build longer than the timeout still ends in a running server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-envslow-'));
  chmodSync(dir, 0o755);
  const wheel = execFileSync(
    'python3',
    [join(ROOT, 'test/spawner/fixtures/fake-singleuser/build_wheel.py'), dir],
    { encoding: 'utf8' },
  ).trim();
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `${wheel}\n`);
  const t = await startTestHub({
    config: {
      Spawner: {
        cmd: ['jupyterhub-singleuser'],
        environment: { PATH: '/usr/bin:/bin' },
        http_timeout: 60,
        start_timeout: 1,
      },
      // No warm-up at hub start: the spawn itself builds the environment.
      Labhub: { user_env_dir: join(dir, 'venv'), user_env_requirements: req },
    },
  });
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('bo');
    const r = await hubFetch(`${t.api}/users/bo/server`, { method: 'POST', token: admin });
    assert.ok([201, 202].includes(r.status), `start: ${r.status}`);
    const { events } = await readEvents(t, '/users/bo/server/progress', admin);
    const last = events[events.length - 1];
    assert.equal(last.ready, true, JSON.stringify(events, null, 1));
    // Not vacuous: the build itself took longer than start_timeout (1 s).
    const built = events
      .map((e) => /^Python environment ready in (\d+(?:\.\d)?) s/.exec(String(e.message)))
      .find(Boolean);
    assert.ok(built, JSON.stringify(events, null, 1));
    assert.ok(Number(built[1]) > 1, `the build took ${built[1]} s; this test needs more than 1 s`);
    const facts = await (await fetch(`${t.url}/user/bo/`)).json();
    assert.equal(facts.fake, 'singleuser');
  } finally {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
