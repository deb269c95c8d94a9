import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralRange, pickServerPort, serverPortRanges } from './server-ports.js';
import { localProcessSpawner } from './local-process.js';
import { fixtureContext, FIXTURE } from '../../test/spawner/fixture-context.js';
import type { Spawner } from './types.js';

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanup) await c();
});

test('the ephemeral range is read from the kernel; ports are picked outside it, from 10000 up', () => {
  assert.deepEqual(ephemeralRange('32768\t60999\n'), [32768, 60999]);
  assert.equal(ephemeralRange('garbage'), null);
  assert.deepEqual(serverPortRanges([32768, 60999]), [
    [10000, 32767],
    [61000, 65535],
  ]);
  assert.deepEqual(
    serverPortRanges([1024, 65000]),
    [],
    'fewer than 1000 ports left: the kernel picks',
  );
  assert.deepEqual(serverPortRanges(null), []);
});

test('pickServerPort: outside the ephemeral range, free, and never handed out twice while reserved', async () => {
  const eph = ephemeralRange();
  const picked = await Promise.all(Array.from({ length: 20 }, () => pickServerPort('127.0.0.1')));
  cleanup.push(() => picked.forEach((p) => p.release()));
  const ports = picked.map((p) => p.port);
  assert.equal(new Set(ports).size, ports.length, `no port twice: ${ports}`);
  if (eph && serverPortRanges(eph).length)
    for (const p of ports) assert.ok(p < eph[0] || p > eph[1], `${p} is outside ${eph}`);
  // With a single candidate port, a reserved one is not handed out again (the kernel's choice is).
  const one = await pickServerPort('127.0.0.1', [[ports[0]!, ports[0]!]]);
  assert.notEqual(one.port, ports[0]);
  one.release();
});

/**
 * The first launch finds its port taken by another program, as an outgoing connection (bound,
 * not listening) or another server (listening) can take it between the port's choice and the
 * server's listen; the next launch does not.
 */
async function portTaken(listen: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-ports-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => {
    try {
      process.kill(Number(readFileSync(join(dir, 'bound'), 'utf8')), 'SIGKILL');
    } catch {
      /* not started */
    }
  });
  // The other program, in its own session (it outlives the failed server's process group): a
  // socket bound to the port without SO_REUSEADDR, as the kernel binds an outgoing connection.
  writeFileSync(
    join(dir, 'occupy.py'),
    `import os, socket, sys, time, urllib.parse
port = urllib.parse.urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"]).port
s = socket.socket()
s.bind(("127.0.0.1", port))
${listen ? 's.listen()\n' : ''}with open(sys.argv[1] + "/bound.tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + "/bound.tmp", sys.argv[1] + "/bound")
time.sleep(60)
`,
  );
  writeFileSync(
    join(dir, 'wrap.sh'),
    `if [ ! -e "$D/first" ]; then
  echo "$JUPYTERHUB_SERVICE_URL" > "$D/first"
  setsid python3 "$D/occupy.py" "$D" &
  while [ ! -e "$D/bound" ]; do sleep 0.05; done
fi
exec "$NODE" "$FIXTURE"
`,
  );
  const ctx = fixtureContext(`portrace${listen ? 'l' : 'b'}`, {
    cmd: ['sh', join(dir, 'wrap.sh')],
    environment: { D: dir, NODE: process.execPath, FIXTURE },
  });
  const sp: Spawner = localProcessSpawner.create(ctx);
  cleanup.push(() => sp.stop({ now: true }));
  const { url } = await sp.start();
  const first = Number(new URL(readFileSync(join(dir, 'first'), 'utf8').trim()).port);
  assert.notEqual(new URL(url).port, String(first), 'another port');
  const r = await fetch(`${url}${ctx.hubEnv.JUPYTERHUB_SERVICE_PREFIX}`);
  assert.equal(r.status, 200, 'the server answers on its new port');
}

test('a server whose port is bound by another program before it listens is started again on another port', () =>
  portTaken(false));

test('a server whose port another program listens on is started again on another port (never taken for it)', () =>
  portTaken(true));
