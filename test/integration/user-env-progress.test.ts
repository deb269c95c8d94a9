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
import { pino, type Logger } from 'pino';
import { ROOT, hubFetch, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { readEvents } from '../api/helpers.js';

/**
 * Starts the user's server and follows its progress stream from the start: the stream is opened
 * while the spawn is pending (a spawn that is already over replays only its last event), and the
 * POST may answer only when the server is ready (within JupyterHub's slow_spawn_timeout, 10 s).
 */
async function startAndFollow(t: TestHub, admin: string, user: string) {
  const post = hubFetch(`${t.api}/users/${user}/server`, { method: 'POST', token: admin });
  for (let i = 0; i < 600; i++) {
    const model = (await (await hubFetch(`${t.api}/users/${user}`, { token: admin })).json()) as {
      pending: string | null;
      server: string | null;
    };
    if (model.pending || model.server) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const stream = readEvents(t, `/users/${user}/server/progress`, admin);
  const r = await post;
  assert.ok([201, 202].includes(r.status), `start: ${r.status}`);
  return (await stream).events;
}

/**
 * A hub whose servers must come from labhub's own environment, built from a requirements file
 * naming the local stand-in wheel (whatever this machine has on PATH).
 */
async function envHub(prefix: string, startTimeout: number, logger?: Logger) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const wheel = execFileSync(
    'python3',
    [join(ROOT, 'test/spawner/fixtures/fake-singleuser/build_wheel.py'), dir],
    { encoding: 'utf8' },
  ).trim();
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `${wheel}\n`);
  const t = await startTestHub({
    ...(logger ? { logger } : {}),
    config: {
      Spawner: {
        cmd: ['jupyterhub-singleuser'],
        environment: { PATH: '/usr/bin:/bin' },
        http_timeout: 60,
        start_timeout: startTimeout,
      },
      Labhub: { user_env_dir: join(dir, 'venv'), user_env_requirements: req },
    },
  });
  return { dir, t };
}

test('a spawn waiting for the Python environment streams its steps with rising progress; the hub log tells them at info level', async () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as never) },
  );
  const { dir, t } = await envHub('labhub-envprog-', 600, logger);
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('ann');
    // The stream ends with the terminal event (ready or failed).
    const events = await startAndFollow(t, admin, 'ann');
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
  // No warm-up at hub start: the spawn itself builds the environment.
  const { dir, t } = await envHub('labhub-envslow-', 1);
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('bo');
    const events = await startAndFollow(t, admin, 'bo');
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
