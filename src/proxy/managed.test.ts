// ManagedProxy with the real labhub-proxy binary (run `npm run build` first): start, adopt,
// restart detection, stale pid files, and nothing left behind when starting fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProxy, type ManagedProxyOptions } from './managed.js';
import { showArgv } from './proxy-command.js';
import { HubError } from '../errors.js';
import { freePorts, startProxy } from '../../test/proxy/helpers/proxy-process.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function logs(): { lines: string[]; log: NonNullable<ManagedProxyOptions['log']> } {
  const lines: string[] = [];
  return {
    lines,
    log: {
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    },
  };
}

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function opts(extra: Partial<ManagedProxyOptions> = {}): Promise<ManagedProxyOptions> {
  const [port, apiPort] = await freePorts(2);
  const dir = mkdtempSync(join(tmpdir(), 'lhp-managed-'));
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    authToken: 'tok-' + Math.random().toString(36).slice(2),
    publicIp: '127.0.0.1',
    publicPort: port,
    pidFile: join(dir, 'proxy.pid'),
    checkInterval: 100_000,
    ...extra,
  };
}

test('starts a child (token only in env), writes the pid file, kills it only when asked', async () => {
  const o = await opts();
  const m = new ManagedProxy(o);
  await m.start();
  const pid = m.pid!;
  try {
    assert.ok(pid > 0 && alive(pid));
    assert.equal(m.isAdopted, false);
    assert.equal(readFileSync(o.pidFile!, 'utf8').trim(), String(pid));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes(o.authToken), 'the token is not on the command line');
    await m.addRoute('/user/a/', 'http://127.0.0.1:1', { user: 'a' });
    assert.deepEqual([...(await m.getAllRoutes()).keys()], ['/user/a/']);
  } finally {
    await m.stop({ killProcess: true });
  }
  assert.equal(alive(pid), false);
  assert.equal(existsSync(o.pidFile!), false);
});

test('adopts a proxy already running with our token; never kills it', async () => {
  const running = await startProxy([], { token: 'shared-token' });
  try {
    const m = new ManagedProxy({
      ...(await opts()),
      apiUrl: running.apiUrl,
      authToken: 'shared-token',
    });
    await m.start();
    assert.equal(m.isAdopted, true);
    assert.equal(m.pid, null);
    await m.stop({ killProcess: true });
    assert.ok(alive(running.pid), 'adopted proxy still running');
  } finally {
    await running.stop();
  }
});

test('a replacement token is kept while a proxy is adopted, and used (then reported) by the next proxy this starts', async () => {
  const running = await startProxy([], { token: 'old-token' });
  const stored: string[] = [];
  const m = new ManagedProxy({
    ...(await opts()),
    apiUrl: running.apiUrl,
    authToken: 'old-token',
    replacementToken: 'new-token',
    onTokenReplaced: async (t) => void stored.push(t),
    checkInterval: 100_000,
  });
  try {
    await m.start();
    assert.equal(m.isAdopted, true);
    assert.equal(m.tokenReplacementPending, true, 'an adopted proxy keeps the old token');
    assert.deepEqual(stored, []);
    await running.stop(); // the operator restarts the proxy; the check starts a new one
    await m.check();
    const pid = m.pid!;
    assert.ok(pid, 'a proxy was started');
    assert.match(
      readFileSync(`/proc/${pid}/environ`, 'utf8'),
      /CONFIGPROXY_AUTH_TOKEN=new-token\0/,
    );
    assert.equal(m.tokenReplacementPending, false);
    assert.deepEqual(stored, ['new-token'], 'the hub is told once');
    await m.addRoute('/user/c/', 'http://127.0.0.1:1', {}); // the client uses the new token
    const r = await fetch(`${running.apiUrl}/api/routes`, {
      headers: { authorization: 'token old-token' },
    });
    assert.equal(r.status, 403, 'the old token no longer works');
  } finally {
    await m.stop({ killProcess: true });
    await running.stop();
  }
});

test('cleanup_proxy on an adopted proxy: stopped only when a labhub hub started it (its pid file names it)', async () => {
  // A proxy started by an earlier hub: its pid is in our pid file.
  const ours = await startProxy([], { token: 'shared-token' });
  const external = await startProxy([], { token: 'other-token' });
  try {
    const o = await opts();
    writeFileSync(o.pidFile!, String(ours.pid));
    const adopt = (apiUrl: string, authToken: string, pidFile = o.pidFile) =>
      new ManagedProxy({ ...o, apiUrl, authToken, pidFile });
    const keep = adopt(ours.apiUrl, 'shared-token');
    await keep.start();
    await keep.stop({ killProcess: true }); // a start failure path: adopted proxies stay
    assert.ok(alive(ours.pid), 'killProcess alone never stops an adopted proxy');
    const mine = adopt(ours.apiUrl, 'shared-token');
    await mine.start();
    await mine.stop({ killProcess: true, killAdopted: true });
    for (let i = 0; i < 50 && alive(ours.pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(ours.pid), false, 'the labhub-started proxy was stopped');
    assert.equal(existsSync(o.pidFile!), false, 'its pid file is removed');
    // No pid file names the external proxy: it is never stopped.
    const theirs = adopt(external.apiUrl, 'other-token', join(o.pidFile!, '..', 'none.pid'));
    await theirs.start();
    await theirs.stop({ killProcess: true, killAdopted: true });
    assert.ok(alive(external.pid), 'an external proxy keeps running');
  } finally {
    await ours.stop().catch(() => undefined);
    await external.stop();
  }
});

test('a proxy with another token: LABHUB_ERR_PROXY, nothing started', async () => {
  const running = await startProxy([], { token: 'theirs' });
  try {
    const m = new ManagedProxy({ ...(await opts()), apiUrl: running.apiUrl, authToken: 'ours' });
    await assert.rejects(
      m.start(),
      (e: unknown) =>
        e instanceof HubError &&
        e.code === 'LABHUB_ERR_PROXY' &&
        /refuses our API token/.test(e.message),
    );
    assert.equal(m.pid, null);
  } finally {
    await running.stop();
  }
});

test('shouldStart=false and nothing running: LABHUB_ERR_PROXY explaining should_start', async () => {
  const m = new ManagedProxy(await opts({ shouldStart: false }));
  await assert.rejects(
    m.start(),
    (e: unknown) => e instanceof HubError && /should_start = false/.test(e.message),
  );
});

test('a stale pid file of a dead process is removed and reported', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  const deadPid = Number(dead.stdout);
  assert.equal(alive(deadPid), false);
  const o = await opts();
  writeFileSync(o.pidFile!, String(deadPid));
  const { lines, log } = logs();
  const m = new ManagedProxy({ ...o, log });
  await m.start();
  try {
    assert.ok(
      lines.some(
        (l) => l.startsWith('warn') && l.includes('stale pid file') && l.includes(String(deadPid)),
      ),
      lines.join('\n'),
    );
    assert.equal(readFileSync(o.pidFile!, 'utf8').trim(), String(m.pid));
  } finally {
    await m.stop({ killProcess: true });
  }
});

test('a child that dies is restarted and onRestart re-pushes the routes', async () => {
  const m = new ManagedProxy(await opts({ checkInterval: 200 }));
  await m.start();
  try {
    let restarts = 0;
    m.onRestart(async () => {
      restarts++;
      await m.addRoute('/user/a/', 'http://127.0.0.1:1', { user: 'a' });
    });
    await m.addRoute('/user/a/', 'http://127.0.0.1:1', { user: 'a' });
    const first = m.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => restarts > 0 && m.pid !== null && m.pid !== first, 'restart');
    assert.ok((await m.getAllRoutes()).has('/user/a/'), 'routes re-pushed after restart');
  } finally {
    await m.stop({ killProcess: true });
  }
});

test('an adopted proxy found with an empty table triggers onRestart', async () => {
  const running = await startProxy([], { token: 'tt' });
  const m = new ManagedProxy({
    ...(await opts()),
    apiUrl: running.apiUrl,
    authToken: 'tt',
    checkInterval: 100_000,
  });
  try {
    await m.start();
    await m.addRoute('/user/b/', 'http://127.0.0.1:1', {});
    let called = 0;
    m.onRestart(async () => {
      called++;
    });
    await m.check();
    assert.equal(called, 0, 'table has hub routes: nothing to do');
    await running.api('DELETE', '/user/b');
    await m.check();
    assert.equal(called, 1);
  } finally {
    await m.stop();
    await running.stop();
  }
});

test('start failure leaves no process: child exits early (stderr tail in the error) or never answers', async () => {
  const m1 = new ManagedProxy(
    await opts({
      command: [process.execPath, '-e', 'console.error("boom: bad flag"); process.exit(3)', '--'],
    }),
  );
  await assert.rejects(
    m1.start(),
    (e: unknown) =>
      e instanceof HubError &&
      e.code === 'LABHUB_ERR_PROXY' &&
      /exited \(3\)/.test(e.message) &&
      /boom: bad flag/.test(e.message),
  );
  // A child that never answers: find it afterwards by a unique marker in its command line.
  const marker = `lhp-hang-marker-${process.pid}-${Date.now()}`;
  const script = `/* ${marker} */ setInterval(() => {}, 1000)`;
  const m2 = new ManagedProxy(
    await opts({ command: [process.execPath, '-e', script, '--'], startTimeout: 1500 }),
  );
  await assert.rejects(
    m2.start(),
    (e: unknown) => e instanceof HubError && /did not answer/.test(e.message),
  );
  const withMarker = () =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
  assert.deepEqual(withMarker(), [], 'the child that never answered was killed');
  const m3 = new ManagedProxy(await opts({ command: ['/nonexistent/labhub-proxy'] }));
  await assert.rejects(
    m3.start(),
    (e: unknown) => e instanceof HubError && /ENOENT/.test(e.message),
  );
});

test('wildcard public ip ("", "*", 0.0.0.0) starts without name resolution', async () => {
  for (const ip of ['', '*', '0.0.0.0']) {
    const o = await opts({ publicIp: ip });
    const m = new ManagedProxy(o);
    await m.start();
    try {
      assert.ok(m.pid);
      const r = await fetch(`http://127.0.0.1:${o.publicPort}/_chp_healthz`);
      assert.equal(r.status, 200, `public port answers on loopback with ip '${ip}'`);
    } finally {
      await m.stop({ killProcess: true });
    }
  }
});

test('the proxy command line in the log shows an empty value as an empty argument', () => {
  assert.equal(
    showArgv(['/usr/bin/node', '/x/labhub-proxy.js', '--ip', '', '--port', '8000']),
    "/usr/bin/node /x/labhub-proxy.js --ip '' --port 8000",
  );
  assert.equal(showArgv(['a b', "it's"]), `'a b' 'it'\\''s'`);
});
