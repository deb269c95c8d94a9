// After a hub restart, the reattached server's output still reaches the hub log (it goes to a
// file the new hub follows, not to a pipe that died with the old hub).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { hubFetch, startTestHub } from '../helpers/test-hub.js';

test("a reattached server's output keeps appearing in the hub log after a restart", async () => {
  const lines: Array<{ msg: string; user?: string }> = [];
  const logger = pino(
    { level: 'info' },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as never) },
  );
  const t = await startTestHub({
    logger,
    config: { Spawner: { environment: { FIXTURE_LOG_REQUESTS: '1' } } },
  });
  const logged = async (text: string) => {
    for (let i = 0; i < 100; i++) {
      if (lines.some((l) => l.msg === text && l.user === 'ann')) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  try {
    const admin = await t.token('admin', { admin: true });
    await t.token('ann');
    const r = await hubFetch(`${t.api}/users/ann/server`, { method: 'POST', token: admin });
    assert.equal(r.status, 201);
    await fetch(`${t.url}/user/ann/before-restart`);
    assert.ok(await logged('fixture: GET /user/ann/before-restart'), 'logged before the restart');
    const file = join(t.dir, 'server-logs', 'ann.log');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the output file is private');

    await t.restart();
    await fetch(`${t.url}/user/ann/after-restart`);
    assert.ok(
      await logged('fixture: GET /user/ann/after-restart'),
      `logged after the restart:\n${lines.map((l) => l.msg).join('\n')}`,
    );
  } finally {
    await t.stop();
  }
});
