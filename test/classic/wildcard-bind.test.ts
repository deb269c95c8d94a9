// Binding all interfaces ('*') on a machine whose hostname does not resolve — JupyterHub's
// "[Errno -2] Name or service not known" (user-needs §1.12). The built CLI runs in a new UTS
// namespace with an unresolvable hostname; it must start and serve through 127.0.0.1, and when it
// cannot start (public port taken) exit with one clear message and leave no process behind.
// The last test runs the first user's file byte for byte, in a fresh network namespace too, so
// its real ports (8000, 80, 8001) are free.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { FAKE_SERVER, ROOT, alive, isRootLinux, waitFor } from './helpers.js';

// Root on Linux, and allowed to make namespaces (a container without CAP_SYS_ADMIN is not).
const needsRoot = !isRootLinux
  ? 'needs root on Linux (CI runs as root)'
  : spawnSync('unshare', ['--uts', '--net', '--mount', 'true']).status !== 0
    ? 'unshare (UTS/network namespaces) is not permitted here'
    : false;

const HOST = 'labhub-unresolvable-xyz';
const CLI = join(ROOT, 'bin/labhub.js');
const started: number[] = [];
const dirs: string[] = [];

after(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Pids of processes whose command line contains every one of `parts`. */
function pidsWith(...parts: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (parts.every((p) => cmd.includes(p))) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function runInNamespace(
  dir: string,
  shellPrefix: string,
  args: string[],
  env: Record<string, string> = {},
): Run {
  let buf = '';
  const quoted = [process.execPath, CLI, ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn(
    'unshare',
    [
      ...(shellPrefix.includes('ip link') ? ['--net'] : []),
      '--uts',
      'sh',
      '-c',
      `${shellPrefix}hostname ${HOST} && exec ${quoted}`,
    ],
    {
      cwd: dir,
      env: { ...process.env, LABHUB_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child.pid!);
  child.stdout!.on('data', (d: Buffer) => (buf += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (buf += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => buf, exited };
}

function hubDir(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-wild-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'jupyterhub_config.py'), lines.join('\n') + '\n');
  return dir;
}

async function stopHub(run: Run, dir: string): Promise<void> {
  run.child.kill('SIGTERM');
  await run.exited;
  // The hub leaves its proxy running on purpose (users keep their connections): stop it by its pid.
  const pidFile = join(dir, 'jupyterhub-proxy.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor('the proxy to exit', () => !alive(pid));
    }
  }
}

test(
  'the hostname really does not resolve (else this test proves nothing)',
  { skip: needsRoot },
  () => {
    assert.notEqual(spawnSync('getent', ['hosts', HOST]).status, 0);
  },
);

test(
  "ip = '*' with an unresolvable hostname: starts and serves /hub/login through 127.0.0.1",
  { skip: needsRoot },
  async () => {
    const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const dir = hubDir([
      "c.JupyterHub.ip = '*'",
      `c.JupyterHub.port = ${port}`,
      `c.JupyterHub.hub_port = ${hubPort}`,
      `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${apiPort}'`,
      `c.Spawner.cmd = ['${process.execPath}', '${FAKE_SERVER}']`,
    ]);
    const run = runInNamespace(dir, '', ['--config', 'jupyterhub_config.py']);
    try {
      await waitFor(
        `the hub to serve (output so far:\n${run.out()})`,
        async () => {
          if (run.child.exitCode !== null)
            throw new Error(`exited ${run.child.exitCode}: ${run.out()}`);
          // The log line too: a proxy may serve the hub's route before the hub logs it runs.
          return (
            (await fetch(`http://127.0.0.1:${port}/hub/login`).catch(() => null))?.status === 200 &&
            /is running: /.test(run.out())
          );
        },
        30_000,
      );
      const ns = spawnSync('nsenter', [`--uts=/proc/${run.child.pid}/ns/uts`, 'hostname'], {
        encoding: 'utf8',
      });
      assert.equal(ns.stdout.trim(), HOST, 'the hub runs under the unresolvable hostname');
      assert.match(run.out(), /is running: users connect on all interfaces/);
      assert.doesNotMatch(run.out(), /Name or service not known|ENOTFOUND|EAI_AGAIN/);
    } finally {
      await stopHub(run, dir);
    }
  },
);

test(
  'when the public port is taken it exits at once with a clear message and leaves no process behind',
  { skip: needsRoot },
  async () => {
    const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '0.0.0.0', r));
    const dir = hubDir([
      "c.JupyterHub.ip = '*'",
      `c.JupyterHub.port = ${port}`,
      `c.JupyterHub.hub_port = ${hubPort}`,
      `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${apiPort}'`,
      `c.Spawner.cmd = ['${process.execPath}', '${FAKE_SERVER}']`,
    ]);
    try {
      const run = runInNamespace(dir, '', ['--config', 'jupyterhub_config.py']);
      const seen = new Set<number>();
      const watch = setInterval(
        () => pidsWith('--api-port', String(apiPort)).forEach((p) => seen.add(p)),
        20,
      );
      const code = await run.exited;
      clearInterval(watch);
      const out = run.out();
      assert.notEqual(code, 0, out);
      assert.match(out, /^labhub: /m, 'one message from the CLI');
      assert.match(out, new RegExp(`${port}`), 'it names the port');
      assert.match(
        out,
        new RegExp(
          `^labhub: The public port \\(JupyterHub\\.port\\) ${port} is already in use by another program.*ss -ltnp.*Nothing was left running\\.$`,
          'm',
        ),
        out,
      );
      assert.doesNotMatch(out, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
      assert.deepEqual(pidsWith('--api-port', String(apiPort)), [], 'no labhub-proxy left');
      for (const pid of seen) assert.equal(alive(pid), false, `proxy pid ${pid} is gone`);
      assert.equal(alive(run.child.pid!), false);
      // The hub port was freed too: a second listener can take it.
      const probe = createServer();
      await new Promise<void>((res, rej) =>
        probe.once('error', rej).listen(hubPort, '127.0.0.1', res),
      );
      await new Promise((r) => probe.close(r));
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  },
);

test(
  "the first user's file byte for byte (ports 8000/80/8001 in a fresh network namespace): starts, serves, explains",
  { skip: needsRoot },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labhub-verbatim-'));
    dirs.push(dir);
    chmodSync(dir, 0o755);
    copyFileSync(
      join(ROOT, 'test/config/fixtures/first-user/jupyterhub_config.py'),
      join(dir, 'jupyterhub_config.py'),
    );
    // jupyterhub-singleuser on PATH (the fake server) so the hub does not build a Python env here.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'jupyterhub-singleuser'),
      `#!/bin/sh\nexec '${process.execPath}' '${FAKE_SERVER}' "$@"\n`,
      { mode: 0o755 },
    );
    const run = runInNamespace(dir, 'ip link set lo up && ', ['--config', 'jupyterhub_config.py'], {
      PATH: `${bin}:${process.env.PATH}`,
    });
    try {
      const inNs = (url: string) =>
        spawnSync(
          'nsenter',
          [
            `--net=/proc/${run.child.pid}/ns/net`,
            process.execPath,
            '-e',
            `fetch(${JSON.stringify(url)}).then(async (r) => console.log(r.status, (await r.text()).includes('name="password"')), (e) => console.log('ERR', e.cause?.code ?? e.message))`,
          ],
          { encoding: 'utf8' },
        ).stdout.trim();
      await waitFor(
        `the hub to serve on :8000 (output so far:\n${run.out()})`,
        () => {
          if (run.child.exitCode !== null)
            throw new Error(`exited ${run.child.exitCode}: ${run.out()}`);
          return inNs('http://127.0.0.1:8000/hub/login') === '200 true';
        },
        30_000,
      );
      // (spawnSync above blocks this event loop: let the child's buffered output arrive.)
      await waitFor('the startup log', () => /is running: users connect/.test(run.out()));
      const out = run.out();
      if (process.env.LABHUB_CLASSIC_LOG_OUT)
        writeFileSync(process.env.LABHUB_CLASSIC_LOG_OUT, out);
      assert.match(out, /hub_port = 80 only moves the hub's internal API port/);
      assert.match(out, /set\('jupyter'\) is, in Python, the collection of its letters/);
      assert.match(out, /silently IGNORES group_whitelist/);
      assert.match(out, /statsd_prefix is set but JupyterHub\.statsd_host is not/);
      assert.match(out, /Hub API listening at http:\/\/127\.0\.0\.1:80\/hub\/api/);
      assert.match(out, /users connect on all interfaces, port 8000/);
      assert.doesNotMatch(out, /Name or service not known|ENOTFOUND/);
      // Names in the file that do not exist on this machine are reported, not silently granted.
      if (spawnSync('getent', ['passwd', 'jupyter']).status !== 0) {
        await waitFor('the account warnings', () =>
          /jupyter is in admin_users but has no Linux account/.test(run.out()),
        );
      }
      if (spawnSync('getent', ['group', 'jupyter']).status !== 0) {
        await waitFor('the group warning', () =>
          /allowed_groups names jupyter, but there is no such Linux group/.test(run.out()),
        );
      }
    } finally {
      await stopHub(run, dir);
    }
  },
);
