// statsd: with JupyterHub.statsd_host/statsd_port set, a UDP listener in the test receives the
// running-servers gauge under the configured prefix, and counters for logins and spawns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startTestHub } from '../helpers/test-hub.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { waitFor } from './helpers.js';

test('statsd: users.running gauges and login/spawn counters reach a UDP listener', async () => {
  const sock = createSocket('udp4');
  const packets: string[] = [];
  sock.on('message', (m) => packets.push(...m.toString('utf8').split('\n').filter(Boolean)));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const statsdPort = sock.address().port;
  const t = await startTestHub({
    config: {
      JupyterHub: { statsd_host: '127.0.0.1', statsd_port: statsdPort, statsd_prefix: 'lhclassic' },
    },
  });
  try {
    await waitFor('the first gauge', () => packets.includes('lhclassic.users.running:0|g'));
    assert.ok(
      packets.some((p) => /^lhclassic\.users\.total:\d+\|g$/.test(p)),
      packets.join('\n'),
    );

    const c = new CookieClient(t.url);
    assert.equal((await c.login('ada', 'pw')).status, 302);
    assert.equal((await new CookieClient(t.url).login('bob', 'wrong')).status, 403);
    await waitFor(
      'login counters',
      () =>
        packets.includes('lhclassic.login.success:1|c') &&
        packets.includes('lhclassic.login.failure:1|c'),
    );
    assert.ok(packets.some((p) => /^lhclassic\.login\.duration:\d+\|ms$/.test(p)));

    const token = await t.token('ada');
    const r = await fetch(`${t.api}/users/ada/server`, {
      method: 'POST',
      headers: { authorization: `token ${token}` },
    });
    assert.ok(r.status === 201 || r.status === 202, String(r.status));
    await waitFor(
      'spawn counter and the gauge going to 1',
      () =>
        packets.includes('lhclassic.spawner.success:1|c') &&
        packets.includes('lhclassic.users.running:1|g'),
    );
    assert.ok(
      packets.every((p) => p.startsWith('lhclassic.')),
      'everything under the prefix',
    );
  } finally {
    await t.stop();
    sock.close();
  }
});
