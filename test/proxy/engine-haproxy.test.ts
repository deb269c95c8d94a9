// labhub-proxy --engine haproxy|auto against the real HAProxy (Debian package `haproxy`, see
// scripts/install-system-deps.sh): engine selection and its log line, a HAProxy crash healed
// with every route pushed again, a dropped runtime-API connection opened again, last_activity
// from HAProxy. TLS termination by HAProxy: cli.test.ts
// (run on both engines).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { request, Agent } from 'undici';
import { startEcho, type Echo } from './helpers/echo.js';
import { startProxy, LABHUB_PROXY } from './helpers/proxy-process.js';

let echo: Echo;
before(async () => {
  echo = await startEcho();
});
after(async () => {
  await echo?.close();
});

function haproxyPid(output: string): number {
  const m = /with HAProxy [\d.]+ \(pid (\d+), /.exec(output);
  assert.ok(
    m,
    `labhub-proxy runs HAProxy (install it: apt-get install haproxy, or scripts/install-system-deps.sh); output:\n${output}`,
  );
  return Number(m[1]);
}

async function get(url: string, dispatcher?: Agent): Promise<{ status: number; body: string }> {
  const r = await request(url, { dispatcher });
  return { status: r.statusCode, body: await r.body.text() };
}

test('--engine auto picks HAProxy and says so; flags only Node serves make it pick Node', async () => {
  const p = await startProxy(['--engine', 'auto']);
  try {
    assert.match(p.output(), /Engine: HAProxy [\d.]+ \(--engine auto\)/);
    haproxyPid(p.output());
  } finally {
    await p.stop();
  }
  const q = await startProxy(['--engine', 'auto', '--auto-rewrite']);
  try {
    assert.match(q.output(), /Engine: node \(--engine auto: --auto-rewrite .*Node engine\)/);
  } finally {
    await q.stop();
  }
  const r = await startProxy(['--engine', 'auto'], {
    env: { LABHUB_HAPROXY: '/nonexistent/haproxy' },
  });
  try {
    assert.match(r.output(), /Engine: node \(--engine auto: \/nonexistent\/haproxy -v failed/);
  } finally {
    await r.stop();
  }
});

test('--engine haproxy refuses to start when HAProxy cannot serve the flags', () => {
  let out = '';
  try {
    execFileSync(
      LABHUB_PROXY[0]!,
      [
        ...LABHUB_PROXY.slice(1),
        '--engine',
        'haproxy',
        '--port',
        '0',
        '--protocol-rewrite',
        'https',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.fail('labhub-proxy started');
  } catch (e) {
    out = String((e as { stderr?: string }).stderr ?? '');
    assert.equal((e as { status?: number }).status, 1);
  }
  assert.match(out, /--engine haproxy: --protocol-rewrite is only done by the Node engine/);
});

test('a killed HAProxy is started again with every route; activity comes from HAProxy', async () => {
  const p = await startProxy(['--engine', 'haproxy']);
  const agent = new Agent({ keepAliveTimeout: 100 });
  try {
    const N = 2000;
    for (let i = 0; i < N; i++)
      assert.equal((await p.api('POST', `/user/u${i}`, { target: echo.url })).status, 201);
    const routes = p.api('GET', '/user/u1234');
    const before = Date.parse(
      String(((await routes).json() as Record<string, unknown>).last_activity),
    );
    await new Promise((r) => setTimeout(r, 50));
    let r = await get(`${p.url}/user/u1234/api`, agent);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { url: string }).url, '/user/u1234/api');
    const after = Date.parse(
      String(((await p.api('GET', '/user/u1234')).json() as Record<string, unknown>).last_activity),
    );
    assert.ok(after > before, `last_activity moved with a request (${before} → ${after})`);

    const pid = haproxyPid(p.output());
    process.kill(pid, 'SIGKILL');
    // Healed: the log says so, a new HAProxy runs, and every route answers again.
    for (let i = 0; i < 200 && !/Proxying.*\n[^]*HAProxy \(pid \d+\) exited/.test(p.output()); i++)
      await new Promise((res) => setTimeout(res, 50));
    assert.match(
      p.output(),
      new RegExp(
        `HAProxy \\(pid ${pid}\\) exited \\(SIGKILL\\); starting it again and re-pushing ${N} routes`,
      ),
    );
    let ok = false;
    for (let i = 0; i < 200 && !ok; i++) {
      try {
        r = await get(`${p.url}/user/u${N - 1}/x`, agent);
        ok = r.status === 200;
      } catch {
        /* not listening yet */
      }
      if (!ok) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(ok, `route answers after the restart: ${p.output().slice(-500)}`);
    for (const i of [0, 999, 1500]) {
      r = await get(`${p.url}/user/u${i}/x`, agent);
      assert.equal((JSON.parse(r.body) as { url: string }).url, `/user/u${i}/x`);
    }
    // Changes after the restart reach the new HAProxy.
    await p.api('DELETE', '/user/u0');
    assert.equal((await get(`${p.url}/user/u0/x`, agent)).status, 404);
    // HAProxy never outlives labhub-proxy, even one killed with SIGKILL.
    const again = /HAProxy started again \(pid (\d+)\)/.exec(p.output());
    assert.ok(again, p.output().slice(-500));
    const hp = Number(again[1]);
    assert.ok(existsSync(`/proc/${hp}`));
    p.proc.kill('SIGKILL');
    for (let i = 0; i < 200 && existsSync(`/proc/${hp}`); i++)
      await new Promise((res) => setTimeout(res, 50));
    assert.ok(!existsSync(`/proc/${hp}`), `HAProxy ${hp} ended with labhub-proxy`);
    // …and its private directory (config, sockets, TLS key) goes with it.
    const dir = /with HAProxy [\d.]+ \(pid \d+, (\S+)\)/.exec(p.output())![1]!;
    for (let i = 0; i < 200 && existsSync(dir); i++)
      await new Promise((res) => setTimeout(res, 50));
    assert.ok(!existsSync(dir), `${dir} removed`);
  } finally {
    await agent.close();
    await p.stop();
  }
});

/** One command on HAProxy's runtime API (a connection of its own, closed by HAProxy after it). */
function cli(dir: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(`${dir}/admin.sock`);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.write(cmd + '\n');
  });
}

test('a dropped runtime-API connection is opened again: later route changes reach HAProxy', async () => {
  const p = await startProxy(['--engine', 'haproxy']);
  try {
    haproxyPid(p.output());
    const dir = /with HAProxy [\d.]+ \(pid \d+, (\S+)\)/.exec(p.output())![1]!;
    // HAProxy ends labhub-proxy's runtime-API session (as its `stats timeout` does when idle).
    const sessions = await cli(dir, 'show sess');
    for (const m of sessions.matchAll(/^(0x[0-9a-f]+): proto=unix_stream .*fe=GLOBAL/gm))
      await cli(dir, `shutdown session ${m[1]}`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await p.api('POST', '/user/late', { target: echo.url })).status, 201);
    // In HAProxy's own map, not only served by the Node plane behind it.
    assert.match(await cli(dir, `show map ${dir}/routes.map`), / \/user\/late\/ /);
    assert.equal((await get(`${p.url}/user/late/x`)).status, 200);
  } finally {
    await p.stop();
  }
});
