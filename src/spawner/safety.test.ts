import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localProcessSpawner } from './local-process.js';
import { signallablePid, processGroupOf } from './proc.js';
import { silentLogger } from '../log.js';
import type { SpawnerOptions } from './types.js';

const options: SpawnerOptions = {
  cmd: ['true'],
  args: [],
  notebookDir: '',
  defaultUrl: '',
  environment: {},
  envKeep: [],
  ip: '127.0.0.1',
  port: 0,
  startTimeout: 5,
  httpTimeout: 5,
  pollInterval: 30,
  memLimit: null,
  cpuLimit: null,
  extra: { interruptTimeout: 0.1, termTimeout: 0.1, killTimeout: 0.1 },
};

test('pids that must never be signalled: 0, 1, negatives, the hub itself', () => {
  for (const pid of [0, 1, -1, -5, process.pid, process.ppid, null])
    assert.equal(signallablePid(pid as number | null), false, String(pid));
  assert.equal(signallablePid(123456), true);
});

test('a stored state naming pid 1 (or any pid without its start time) is never reattached or signalled', async () => {
  const states: Array<Record<string, number>> = [
    { pid: 1 },
    { pid: 1, starttime: 1 },
    { pid: process.pid },
    { pid: process.ppid, port: 1 },
  ];
  for (const state of states) {
    const sp = localProcessSpawner.create({
      user: { id: 1, name: 'x' },
      serverName: '',
      hubEnv: {},
      options,
      log: silentLogger(),
    });
    sp.loadState(state as Record<string, number>);
    assert.equal(await sp.poll(), 0, `poll for ${JSON.stringify(state)} reports stopped`);
    await sp.stop({ now: true }); // must not signal anything: this test process survives
    assert.deepEqual(sp.getState(), {});
  }
  assert.ok(processGroupOf(process.pid) !== null);
});
