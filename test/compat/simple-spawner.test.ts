/**
 * `spawner_class = 'simple'` means the same on JupyterHub 6.1.1 and on labhub (issue 9).
 *
 * One `jupyterhub_config.py` (SimpleLocalProcessSpawner, DummyAuthenticator with a password,
 * `Spawner.args = ['--allow-root']`, loopback ports) is run, as root, by the real `jupyterhub`
 * command of labhub's singleuser-6 venv (with configurable-http-proxy on PATH) and then by
 * `node bin/labhub.js` — byte for byte the same file. For both, a person's whole journey must
 * pass (journey.ts): login, spawn, OAuth round trip to JupyterLab, a kernel, code run over the
 * kernel WebSocket, stop. The code prints uid, HOME and working directory: both hubs must run it
 * as the hub's own user (root) with HOME and cwd /tmp/<user>. Timings of both are reported as
 * test diagnostics. Needs `npm run build` (bin/labhub.js runs dist/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { ROOT, startTestHub } from '../helpers/test-hub.js';
import { testEnv } from '../helpers/python-envs.js';
import { BrowserClient } from '../integration/support.js';
import { journey, type JourneyResult } from './journey.js';

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const VENV_BIN = join(ROOT, '.venv-singleuser6', 'bin');
const CODE = "import os\nprint(os.getuid(), os.environ['HOME'], os.getcwd(), 6 * 7)";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function configFile(port: number, hubPort: number, apiPort: number): string {
  return [
    'c = get_config()  # noqa',
    "c.JupyterHub.ip = '127.0.0.1'",
    `c.JupyterHub.port = ${port}`,
    "c.JupyterHub.hub_ip = '127.0.0.1'",
    `c.JupyterHub.hub_port = ${hubPort}`,
    `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${apiPort}'`,
    "c.JupyterHub.authenticator_class = 'dummy'",
    "c.DummyAuthenticator.password = 'compat-pw'",
    "c.JupyterHub.spawner_class = 'simple'",
    "c.Spawner.args = ['--allow-root']",
    '',
  ].join('\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends the process group `pid` leads (a server and its kernels, or a proxy), if still there. */
function killGroup(pid: number | undefined): void {
  if (!pid || pid <= 1 || !alive(pid)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

interface HubRun {
  label: string;
  startSeconds: number;
  result: JourneyResult;
  log: string;
}

/** Start `argv` in `dir` with the shared config, run the journey as `user`, stop everything. */
async function runHub(
  label: string,
  argv: string[],
  config: string,
  port: number,
  user: string,
): Promise<HubRun> {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-compat-simple-'));
  writeFileSync(join(dir, 'jupyterhub_config.py'), config);
  const logFile = join(dir, 'hub.log');
  const out = openSync(logFile, 'w');
  const log = () => readFileSync(logFile, 'utf8');
  const t0 = Date.now();
  const child: ChildProcess = spawn(argv[0], argv.slice(1), {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${VENV_BIN}:${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
      LABHUB_TEST: '',
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let serverPid: number | undefined;
  try {
    for (;;) {
      assert.equal(child.exitCode, null, `${label} exited at start:\n${log().slice(-3000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}/hub/login`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      assert.ok(Date.now() - t0 < 120_000, `${label} did not serve /hub/login in 120 s:\n${log()}`);
      await sleep(250);
    }
    const startSeconds = (Date.now() - t0) / 1000;
    let result: JourneyResult;
    try {
      result = await journey(`http://127.0.0.1:${port}`, user, 'compat-pw', CODE);
    } catch (e) {
      (e as Error).message += `\n--- ${label} log ---\n${log().slice(-6000)}`;
      throw e;
    }
    serverPid = result.serverPid;
    return { label, startSeconds, result, log: log() };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const pidFile = join(dir, 'jupyterhub-proxy.pid');
    if (existsSync(pidFile)) killGroup(Number(readFileSync(pidFile, 'utf8').trim()));
    killGroup(serverPid);
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/${user}`, { recursive: true, force: true });
  }
}

test(
  "one jupyterhub_config.py with spawner_class 'simple' runs the whole journey on JupyterHub 6.1.1 and on labhub, as the hub's user with HOME /tmp/<user>",
  {
    skip: !isRoot && 'needs root (the case under test is SimpleLocalProcessSpawner as root)',
    timeout: 15 * 60_000,
  },
  async (t) => {
    testEnv('.venv-singleuser6'); // built by npm test's set-up; fails saying what to run if not
    const version = execFileSync(
      join(VENV_BIN, 'python'),
      ['-c', 'import jupyterhub; print(jupyterhub.__version__)'],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(version, '6.1.1', `${VENV_BIN} has JupyterHub ${version}`);
    assert.ok(
      existsSync(join(ROOT, 'node_modules', '.bin', 'configurable-http-proxy')),
      'configurable-http-proxy (devDependency) is installed',
    );
    const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const config = configFile(port, hubPort, apiPort);
    const tag = randomBytes(3).toString('hex');
    const runs: HubRun[] = [];
    for (const [label, argv] of [
      ['JupyterHub 6.1.1', [join(VENV_BIN, 'jupyterhub'), '-f', 'jupyterhub_config.py']],
      [
        'labhub',
        [process.execPath, join(ROOT, 'bin/labhub.js'), '--config', 'jupyterhub_config.py'],
      ],
    ] as const) {
      const user = `cmp${label === 'labhub' ? 'l' : 'j'}${tag}`;
      const run = await runHub(label, [...argv], config, port, user);
      runs.push(run);
      const r = run.result;
      assert.equal(r.output.trim(), `0 /tmp/${user} /tmp/${user} 42`, `${label}: uid, HOME, cwd`);
      const hops = r.oauthHops.map((h) => h.path.split('?')[0]);
      assert.ok(hops.includes('/hub/api/oauth2/authorize'), `${label}: ${hops.join(' → ')}`);
      assert.ok(hops.includes(`/user/${user}/oauth_callback`), `${label}: ${hops.join(' → ')}`);
      assert.equal(r.oauthHops.at(-1)?.status, 200);
    }
    assert.match(
      runs[1].log,
      /SimpleLocalProcessSpawner: every user's server runs as the hub's own user root/,
      'labhub warns at start that every server runs as its own user',
    );
    for (const run of runs) {
      const x = run.result.timings;
      t.diagnostic(
        `${run.label}: hub start ${run.startSeconds.toFixed(1)} s, login ${x.login.toFixed(2)} s, ` +
          `spawn + OAuth to JupyterLab ${x.spawnToLab.toFixed(1)} s, kernel start ${x.kernelStart.toFixed(2)} s, ` +
          `execute ${x.execute.toFixed(2)} s`,
      );
    }
  },
);

test(
  "as root, labhub refuses a simple spawn without --allow-root and says to set Spawner.args = ['--allow-root']",
  { skip: !isRoot && 'needs root' },
  async () => {
    const homes = mkdtempSync(join(tmpdir(), 'labhub-simple-homes-'));
    const t = await startTestHub({
      config: {
        JupyterHub: { spawner_class: 'simple' },
        Spawner: { cmd: [join(VENV_BIN, 'jupyterhub-singleuser')] },
        SimpleLocalProcessSpawner: { home_dir_template: join(homes, '{username}') },
      },
    });
    try {
      const alice = new BrowserClient(t.url);
      assert.equal((await alice.login('alice')).status, 302);
      await alice.request('/hub/spawn');
      let page = '';
      for (let i = 0; i < 100 && !/allow-root/.test(page); i++) {
        page = (await alice.request('/hub/spawn-pending/alice')).body;
        await sleep(100);
      }
      assert.match(page, /Jupyter refuses without --allow-root/);
      assert.match(page, /c\.Spawner\.args = \[(&#39;|&#x27;|')--allow-root(&#39;|&#x27;|')\]/);
    } finally {
      await t.stop();
      rmSync(homes, { recursive: true, force: true });
    }
  },
);
