// Stopping everything: `labhub stop --all` with the hub running (through its API) and with the
// hub already gone (database + proxy pid file), and JupyterHub.cleanup_servers/cleanup_proxy on
// Ctrl-C of a hub that adopted the proxy and the servers of an earlier start. Real CLI processes
// (bin/labhub.js → dist/: run `npm run build` first), the real proxy and the stand-in server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FAKE_SERVER, ROOT } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';
import { tcpOpen } from '../../src/cli/port-owner.js';
import { pidAlive } from '../../src/proxy/pid-file.js';

const CLI = join(ROOT, 'bin/labhub.js');

interface Setup {
  dir: string;
  port: number;
  hubPort: number;
  apiPort: number;
  write(extra?: Record<string, Record<string, unknown>>): void;
}

async function setup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-stop-'));
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const s: Setup = {
    dir,
    port,
    hubPort,
    apiPort,
    write(extra = {}) {
      const cfg: Record<string, Record<string, unknown>> = {
        JupyterHub: {
          ip: '127.0.0.1',
          port,
          hub_port: hubPort,
          authenticator_class: 'dummy',
          ...(extra.JupyterHub ?? {}),
        },
        // The pid file keeps its default name, relative to the working directory.
        ConfigurableHTTPProxy: { api_url: `http://127.0.0.1:${apiPort}` },
        Authenticator: { allow_all: true, admin_users: ['admin'] },
        DummyAuthenticator: { password: 'pw' },
        Spawner: { cmd: [process.execPath, FAKE_SERVER], http_timeout: 20 },
        LocalProcessSpawner: { run_as_user: 'self' },
        Labhub: { server_log_dir: join(dir, 'server-logs') },
      };
      writeFileSync(join(dir, 'labhub.yaml'), stringify(cfg));
    },
  };
  s.write();
  return s;
}

function labhub(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, LABHUB_DEBUG: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts the hub CLI and resolves once it says it is running; `output()` is its log so far. */
async function startHub(cwd: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [CLI], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/ is running: /.test(out)) {
    if (child.exitCode !== null) throw new Error(`the hub exited:\n${out}`);
    if (Date.now() > deadline) throw new Error(`the hub did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => out };
}

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => c.once('exit', () => r()));

/** Starts ann's server through the API; returns the stand-in server's pid (it reports it). */
async function startServer(s: Setup): Promise<number> {
  const token = labhub(['token', 'admin'], s.dir).out.trim();
  assert.match(token, /^\w{20,}$/, 'labhub token printed a token');
  const api = `http://127.0.0.1:${s.port}/hub/api`;
  const auth = { Authorization: `token ${token}` };
  const made = await fetch(`${api}/users/ann`, { method: 'POST', headers: auth });
  assert.ok([201, 409].includes(made.status), `create ann: ${made.status}`);
  const r = await fetch(`${api}/users/ann/server`, { method: 'POST', headers: auth });
  assert.ok([201, 202].includes(r.status), `start: ${r.status}`);
  for (let i = 0; i < 200; i++) {
    const u = (await (await fetch(`${api}/users/ann`, { headers: auth })).json()) as {
      servers?: Record<string, { ready?: boolean }>;
    };
    if (u.servers?.['']?.ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const facts = (await (await fetch(`http://127.0.0.1:${s.port}/user/ann/`)).json()) as {
    pid: number;
  };
  assert.ok(facts.pid > 1 && pidAlive(facts.pid), 'the stand-in server answers through the proxy');
  return facts.pid;
}

const proxyPidOf = (s: Setup) =>
  Number(readFileSync(join(s.dir, 'jupyterhub-proxy.pid'), 'utf8').trim());

async function assertAllGone(s: Setup, pids: number[]): Promise<void> {
  for (const pid of pids) {
    for (let i = 0; i < 50 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(pidAlive(pid), false, `process ${pid} is gone`);
  }
  for (const port of [s.port, s.hubPort, s.apiPort])
    assert.equal(await tcpOpen('127.0.0.1', port), false, `port ${port} is free`);
}

/** Leaves nothing behind when an assertion failed half-way. */
function cleanup(s: Setup, pids: number[]): void {
  for (const pid of pids)
    try {
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  rmSync(s.dir, { recursive: true, force: true });
}

test('labhub stop --all with the hub running: the hub, the server and the proxy stop; the ports are free', async () => {
  const s = await setup();
  const pids: number[] = [];
  try {
    const hub = await startHub(s.dir);
    pids.push(hub.child.pid!);
    pids.push(await startServer(s), proxyPidOf(s));
    const r = labhub(['stop', '--all'], s.dir);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.out, /Asked the hub to shut down and stop 1 user server\(s\) and the proxy/);
    assert.match(r.out, /The hub stopped/);
    assert.match(r.out, /Everything is stopped: ports .* are free\./);
    await exited(hub.child);
    await assertAllGone(s, pids);
  } finally {
    cleanup(s, pids);
  }
});

test('labhub stop --all after Ctrl-C: the server and the proxy left running are stopped', async () => {
  const s = await setup();
  const pids: number[] = [];
  try {
    const hub = await startHub(s.dir);
    const serverPid = await startServer(s);
    const proxyPid = proxyPidOf(s);
    pids.push(serverPid, proxyPid);
    hub.child.kill('SIGINT');
    await exited(hub.child);
    assert.match(hub.output(), /user servers and the proxy keep running; 'labhub stop --all'/);
    assert.ok(pidAlive(serverPid) && pidAlive(proxyPid), 'Ctrl-C left the server and the proxy');

    const r = labhub(['stop', '--all'], s.dir);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.out, /The hub is not running/);
    assert.match(r.out, /Stopping 1 user server\(s\): ann/);
    assert.match(r.out, new RegExp(`Stopped the proxy \\(pid ${proxyPid}, pid file`));
    await assertAllGone(s, pids);
    // Nothing left to do the second time.
    const again = labhub(['stop', '--all'], s.dir);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /No user server is running\.\nThe proxy is not running\./);
  } finally {
    cleanup(s, pids);
  }
});

test('cleanup_servers and cleanup_proxy: Ctrl-C stops the servers and the proxy a restarted hub adopted', async () => {
  const s = await setup();
  const pids: number[] = [];
  try {
    // First start with the labhub defaults: Ctrl-C leaves everything running.
    const first = await startHub(s.dir);
    const serverPid = await startServer(s);
    const proxyPid = proxyPidOf(s);
    pids.push(serverPid, proxyPid);
    first.child.kill('SIGINT');
    await exited(first.child);
    // Second start with cleanup on: it adopts the proxy and reattaches the server.
    s.write({ JupyterHub: { cleanup_servers: true, cleanup_proxy: true } });
    const second = await startHub(s.dir);
    pids.push(second.child.pid!);
    assert.match(second.output(), /adopted the proxy .*a labhub hub started it \(pid \d+/);
    assert.match(second.output(), /Reattached 1 running servers/);
    second.child.kill('SIGINT');
    await exited(second.child);
    assert.match(
      second.output(),
      /SIGINT: stopping the hub \(user servers and the proxy stop too: JupyterHub\.cleanup_servers and cleanup_proxy are true\)/,
    );
    assert.match(second.output(), new RegExp(`stopped the adopted proxy \\(pid ${proxyPid}\\)`));
    await assertAllGone(s, pids);
  } finally {
    cleanup(s, pids);
  }
});
