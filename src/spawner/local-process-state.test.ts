import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { LocalProcessState } from './local-process-state.js';
import { LAUNCH_ENV } from './proc.js';

const noLog = { info() {}, warn() {}, error() {}, debug() {} } as never;

test('a state saved before the launch (no pid yet) finds the launched process by its launch id', async () => {
  const id = randomUUID();
  // A wrapper that forks a child carrying the same environment: the wrapper is the one found.
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], {
    env: { ...process.env, [LAUNCH_ENV]: id },
    detached: true,
    stdio: 'ignore',
  });
  try {
    const saved = new LocalProcessState(noLog, 'u', {});
    saved.launchId = id;
    saved.port = 4321;
    assert.deepEqual(saved.toJson(), { launch: id, port: 4321 }, 'what is saved before launching');

    const adopted = new LocalProcessState(noLog, 'u', {});
    adopted.load(saved.toJson());
    assert.equal(adopted.pid, child.pid, 'the launched process, not its child');
    assert.equal(adopted.poll(), null, 'alive, recognised by its start time');
    await adopted.stop({ now: true });
    await new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
    );
    assert.equal(child.signalCode, 'SIGKILL', 'the adopter could stop it');

    const none = new LocalProcessState(noLog, 'u', {});
    none.load({ launch: randomUUID(), port: 4321 });
    assert.equal(none.pid, null, 'never launched: nothing found');
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
});
