// SQLite is for one hub process: a second live hub on the same file is refused with what to do;
// the row of a hub killed with kill -9 (its pid is gone) does not stop the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startTestHub } from '../helpers/test-hub.js';
import { Store, parseDbUrl } from '../../src/db/index.js';

test('SQLite: a second hub on the same database file is refused, naming PostgreSQL and the other hub', async () => {
  const first = await startTestHub();
  try {
    const dbUrl = `sqlite:///${join(first.dir, 'hub.sqlite')}`;
    await assert.rejects(
      startTestHub({ config: { JupyterHub: { db_url: dbUrl } } }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'LABHUB_ERR_REPLICA_SQLITE');
        assert.match(e.message, /Another hub \(pid \d+ on .*\) is already running/);
        assert.match(e.message, /PostgreSQL/);
        return true;
      },
    );
    // The refused start left the running hub's registration alone.
    assert.equal((await first.hub.ctx.store.replicas.list()).length, 1);
    const h = await fetch(`${first.hubUrl}/hub/health`);
    assert.equal(h.status, 200);
    assert.match(h.headers.get('x-labhub-replica') ?? '', /; leader$/);
  } finally {
    await first.stop();
  }
});

test('SQLite: the row of a hub that died without stopping (pid gone) is removed at the next start', async () => {
  const t = await startTestHub();
  const dbFile = join(t.dir, 'hub.sqlite');
  await t.stop({ keepDir: true });
  const dead = spawnSync('true').pid!;
  const store = await Store.open(parseDbUrl(`sqlite:///${dbFile}`));
  const now = await store.replicas.nowMs();
  await store.replicas.register({
    id: 'crashed',
    host: hostname(),
    pid: dead,
    hubUrl: 'http://127.0.0.1:1',
    version: 'x',
    startedMs: now,
    heartbeatMs: now,
  });
  await store.close();
  const again = await startTestHub({ config: { JupyterHub: { db_url: `sqlite:///${dbFile}` } } });
  try {
    const ids = (await again.hub.ctx.store.replicas.list()).map((r) => r.id);
    assert.equal(ids.length, 1);
    assert.notEqual(ids[0], 'crashed');
  } finally {
    await again.stop();
    rmSync(t.dir, { recursive: true, force: true });
  }
});
