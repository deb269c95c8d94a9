// --workers N: one route table shared by several processes on the public port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'undici';
import WebSocket from 'ws';
import { startEcho } from './helpers/echo.js';
import { startProxy, type RunningProxy } from './helpers/proxy-process.js';

function workerPids(primary: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

test('--workers 2: routes reach every worker, activity flows back, a dead worker is replaced, SIGTERM stops all', async () => {
  const echo = await startEcho();
  let started: RunningProxy | undefined;
  try {
    const p = (started = await startProxy(['--workers', '2']));
    assert.match(p.output(), /with 2 workers/);
    let pids: number[] = [];
    for (let i = 0; i < 50 && pids.length < 2; i++) {
      pids = workerPids(p.pid);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(pids.length, 2, 'two worker processes');
    await p.api('POST', '/user/w', { target: echo.url });
    const t0 = Date.parse(
      ((await p.api('GET', '/user/w')).json() as { last_activity: string }).last_activity,
    );
    // Fresh connections are spread over the workers; each must know the route.
    for (let i = 0; i < 20; i++) {
      const r = await request(`${p.url}/user/w/x${i}`, { reset: true });
      assert.equal(r.statusCode, 200);
      await r.body.text();
    }
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/w/ws`);
    await new Promise((r, j) => {
      ws.once('message', r);
      ws.once('error', j);
    });
    ws.close();
    let t1 = t0;
    for (let i = 0; i < 40 && t1 <= t0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      t1 = Date.parse(
        ((await p.api('GET', '/user/w')).json() as { last_activity: string }).last_activity,
      );
    }
    assert.ok(t1 > t0, 'worker activity reached the primary');
    await p.api('DELETE', '/user/w');
    const gone = await request(`${p.url}/user/w/x`, { reset: true });
    await gone.body.text();
    assert.equal(gone.statusCode, 404);
    process.kill(pids[0]!, 'SIGKILL');
    let now: number[] = [];
    for (let i = 0; i < 50; i++) {
      now = workerPids(p.pid);
      if (now.length === 2 && !now.includes(pids[0]!)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(now.length, 2, 'the killed worker was replaced');
    const code = await p.stop();
    assert.equal(code, 0);
    for (const pid of now)
      assert.throws(() => process.kill(pid, 0), 'worker exited with the primary');
  } finally {
    await started?.stop();
    await echo.close();
  }
});
