import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';

test('GET /hub/api/labhub/spawn-failures lists recent failed spawns with their reason (admins only)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-broken-'));
  const script = join(dir, 'broken-server.sh');
  writeFileSync(script, "#!/bin/sh\necho 'quota exceeded for <you>' >&2\nexit 7\n");
  chmodSync(script, 0o755);
  const t = await startTestHub({ config: { Spawner: { cmd: [script] } } });
  try {
    const admin = await t.token('admin', { admin: true });
    const user = await t.token('unlucky');
    const start = await hubFetch(`${t.api}/users/unlucky/server`, { method: 'POST', token: admin });
    assert.equal(start.status, 500);
    assert.equal(
      (await hubFetch(`${t.api}/labhub/spawn-failures`, { token: user })).status,
      403,
      'not for users',
    );
    const r = await hubFetch(`${t.api}/labhub/spawn-failures`, { token: admin });
    assert.equal(r.status, 200);
    const { items } = await r.json();
    assert.equal(items.length, 1);
    assert.equal(items[0].user, 'unlucky');
    assert.equal(items[0].server, '');
    assert.match(items[0].error, /exited with status 7/);
    assert.match(items[0].error, /quota exceeded for <you>/);
    assert.equal(
      (await hubFetch(`${t.api}/labhub/spawn-failures?limit=0`, { token: admin })).status,
      400,
    );
  } finally {
    await t.stop();
  }
});
