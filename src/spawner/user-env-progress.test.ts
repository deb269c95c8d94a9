import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvBuildProgress, spawnProgressOf, type UserEnvStatus } from './user-env-progress.js';

/** pip's output for a small install, as `pip install --progress-bar off -r` prints it. */
const PIP = [
  'Collecting jupyterhub==6.1.1 (from -r requirements.txt (line 5))',
  '  Downloading jupyterhub-6.1.1-py3-none-any.whl.metadata (9.9 kB)',
  ...Array.from({ length: 23 }, (_, i) => `Collecting dep${i} (from jupyterhub==6.1.1)`),
  'Installing collected packages: a, b, c',
  'Successfully installed a-1 b-2 c-3',
];

test('a build tells its steps in words with a fraction that only rises; pip output becomes milestones', () => {
  const p = new EnvBuildProgress();
  const seen: UserEnvStatus[] = [];
  const lines: string[] = [];
  p.subscribe(
    (s) => seen.push(s),
    (l) => lines.push(l),
  );
  try {
    p.status('venv', 'Creating a Python environment in /v…', 0.02);
    p.pipStarted(4, '/r.txt');
    for (const l of PIP) p.pipLine(l);
    p.status('ready', 'Python environment ready in 1 s: /v/bin/x', 1);
  } finally {
    p.end();
  }
  const msgs = seen.map((s) => s.message);
  assert.match(msgs[1]!, /^Installing 4 pinned package\(s\) from \/r\.txt/);
  // The first package, then every 10th: not one status per pip line.
  assert.deepEqual(
    msgs
      .filter((m) => m.startsWith('pip: ') && m.includes('so far'))
      .map((m) => /: (\d+) /.exec(m)![1]),
    ['1', '10', '20'],
  );
  assert.ok(msgs.some((m) => /^pip: installing 3 package\(s\) \(found and downloaded in /.test(m)));
  assert.ok(msgs.some((m) => /^pip: installed 3 package\(s\) in \d/.test(m)));
  const f = seen.map((s) => s.fraction);
  for (let i = 1; i < f.length; i++) assert.ok(f[i]! >= f[i - 1]!, f.join(', '));
  assert.equal(f[f.length - 1], 1);
  // Raw pip lines still reach the line listener (the hub logs them at debug level).
  assert.ok(lines.includes(PIP[1]!));
  // Spawn progress: between "Spawning server..." (50) and "Waiting for the server" (75).
  assert.deepEqual([spawnProgressOf(seen[0]!), spawnProgressOf(seen[seen.length - 1]!)], [50, 70]);
});

test('a caller that joins a running build first gets every step so far, then the live ones', () => {
  const p = new EnvBuildProgress();
  try {
    p.status('venv', 'Creating…', 0.02);
    p.pipStarted(1, '/r.txt');
    const late: string[] = [];
    p.subscribe((s) => late.push(s.message));
    p.pipLine('Successfully installed x-1');
    assert.deepEqual(late.length, 3);
    assert.match(late[0]!, /^Creating/);
    assert.match(late[2]!, /^pip: installed 1 package/);
  } finally {
    p.end();
  }
});

test('a long step says it is still working, and the heartbeat stops when the build ends', async () => {
  const saved = EnvBuildProgress.HEARTBEAT_MS;
  EnvBuildProgress.HEARTBEAT_MS = 20;
  const p = new EnvBuildProgress();
  try {
    const beats: UserEnvStatus[] = [];
    // The heartbeat timer does not keep a process alive (unref): this one does, meanwhile.
    const alive = setInterval(() => undefined, 1000);
    await new Promise<void>((resolve) => {
      p.subscribe((s) => {
        beats.push(s);
        if (beats.length === 3) resolve();
      });
      p.status('venv', 'Creating a Python environment in /v…', 0.02);
    });
    assert.match(beats[1]!.message, /^Still working: Creating a Python environment in \/v \(/);
    assert.ok(beats[2]!.fraction > beats[0]!.fraction, 'the bar moves a little');
    p.end();
    const n = beats.length;
    await new Promise((r) => setTimeout(r, 100));
    clearInterval(alive);
    assert.equal(beats.length, n, 'no heartbeat after the end');
  } finally {
    p.end();
    EnvBuildProgress.HEARTBEAT_MS = saved;
  }
});
