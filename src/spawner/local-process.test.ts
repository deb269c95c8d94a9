import { spawn } from 'node:child_process';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import { spawnerContractSuite } from '../../test/contracts/spawner-suite.js';
import { DEFAULT_ENV_KEEP, describeLimitSupport, localProcessSpawner } from './local-process.js';
import { readProcStat } from './proc.js';
import type { Spawner, SpawnerContext } from './types.js';
import { fixtureContext } from '../../test/spawner/fixture-context.js';

spawnerContractSuite({
  definition: localProcessSpawner,
  makeContext: (req) =>
    fixtureContext(req.userName, {
      ...(req.cmd ? { cmd: req.cmd } : {}),
      notebookDir: req.notebookDir ?? '',
    }),
});

const live: Spawner[] = [];
const tmp: string[] = [];
after(async () => {
  for (const sp of live) await sp.stop({ now: true }).catch(() => {});
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

async function startFixture(ctx: SpawnerContext) {
  const sp = localProcessSpawner.create(ctx);
  live.push(sp);
  const { url } = await sp.start();
  const info = (await (await fetch(url + ctx.hubEnv.JUPYTERHUB_SERVICE_PREFIX)).json()) as {
    pid: number;
    cwd: string;
    env: Record<string, string>;
    uid: number[];
    gid: number[];
  };
  return { sp, url, info };
}

test('environment: env_keep → hub env (port rewritten) → USER/HOME → environment; never CONFIGPROXY_AUTH_TOKEN', async () => {
  process.env.CONFIGPROXY_AUTH_TOKEN = 'must-not-leak';
  process.env.LABHUB_TEST_NOT_KEPT = 'x';
  try {
    const ctx = fixtureContext(
      'envuser',
      {
        environment: {
          EXTRA_VAR: 'hello',
          JUPYTERHUB_DEFAULT_URL: '/tree',
          CONFIGPROXY_AUTH_TOKEN: 'nope',
        },
        envKeep: [...DEFAULT_ENV_KEEP, 'CONFIGPROXY_AUTH_TOKEN'],
      },
      'gpu',
    );
    ctx.hubEnv.JUPYTERHUB_DEFAULT_URL = '/lab';
    const { sp, url, info } = await startFixture(ctx);
    const port = Number(new URL(url).port);
    assert.equal(info.env.JUPYTERHUB_SERVICE_URL, `http://127.0.0.1:${port}/user/envuser/gpu/`);
    assert.equal(sp.getState().port, port);
    assert.equal(info.env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-envuser-gpu');
    assert.equal(info.env.JUPYTERHUB_API_TOKEN, 'a'.repeat(32));
    assert.equal(info.env.EXTRA_VAR, 'hello');
    assert.equal(
      info.env.JUPYTERHUB_DEFAULT_URL,
      '/tree',
      'Spawner.environment wins over the hub env',
    );
    assert.equal(info.env.PATH, process.env.PATH);
    assert.equal('CONFIGPROXY_AUTH_TOKEN' in info.env, false);
    assert.equal('LABHUB_TEST_NOT_KEPT' in info.env, false);
    assert.ok(info.env.HOME && info.env.USER && info.env.SHELL, 'USER/HOME/SHELL set');
    assert.equal(info.env.LOGNAME, info.env.USER);
    assert.match(sp.recentOutput!(), /fixture: listening on 127\.0\.0\.1:\d+/);
    await sp.stop();
    assert.match(sp.recentOutput!(), /SIGINT, exiting/, 'graceful stop starts with SIGINT');
    assert.equal(await sp.poll(), 0);
  } finally {
    delete process.env.CONFIGPROXY_AUTH_TOKEN;
    delete process.env.LABHUB_TEST_NOT_KEPT;
  }
});

test('an early exit rejects start() with the exit status and the output tail', async () => {
  const sp = localProcessSpawner.create(
    fixtureContext('early', { environment: { FIXTURE_EXIT: '3' } }),
  );
  live.push(sp);
  await assert.rejects(sp.start(), (e: unknown) => {
    assert.ok(isHubError(e));
    assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
    assert.match(e.userMessage, /exited with status 3/);
    assert.match(e.userMessage, /fixture: exiting with 3 as asked/);
    return true;
  });
  assert.equal(await sp.poll(), 3);
});

test('stop escalates to SIGTERM when SIGINT is ignored; now goes straight to SIGKILL', async () => {
  const ctx = fixtureContext('stubborn', {
    environment: { FIXTURE_IGNORE_SIGINT: '1' },
    extra: { interruptTimeout: 0.3 },
  });
  const { sp } = await startFixture(ctx);
  await sp.stop();
  assert.match(sp.recentOutput!(), /ignoring SIGINT/);
  assert.equal(await sp.poll(), 128 + 15, 'killed by SIGTERM');

  const { sp: sp2 } = await startFixture(
    fixtureContext('stubborn2', { environment: { FIXTURE_IGNORE_SIGINT: '1' } }),
  );
  await sp2.stop({ now: true });
  assert.equal(await sp2.poll(), 128 + 9, 'killed by SIGKILL');
  assert.doesNotMatch(sp2.recentOutput!(), /ignoring SIGINT/);
});

test('poll() of reattached state: a recycled pid (start time differs) is not our server', async () => {
  // A real process stands in for a server found after a hub restart (the hub's own pid is never
  // accepted as a server: see safety.test.ts).
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => other.once('spawn', r));
    const st = readProcStat(other.pid!);
    assert.ok(st);
    const sp = localProcessSpawner.create(fixtureContext('recycled'));
    sp.loadState({ pid: other.pid!, port: 1, starttime: st.starttime });
    assert.equal(await sp.poll(), null, 'same pid and start time → running');
    sp.loadState({ pid: other.pid!, port: 1, starttime: st.starttime + 1 });
    assert.equal(await sp.poll(), 0, 'same pid, other start time → not ours');
    sp.loadState({});
    assert.equal(await sp.poll(), 0);
    assert.deepEqual(sp.getState(), {});
  } finally {
    other.kill('SIGKILL');
  }
});

test('a notebook directory that cannot be created fails at once, naming it and the OS error', async () => {
  const base = mkdtempSync(join(tmpdir(), 'labhub-lp-'));
  tmp.push(base);
  writeFileSync(join(base, 'afile'), '');
  const dir = join(base, 'afile', 'nb');
  const sp = localProcessSpawner.create(fixtureContext('nbfail', { notebookDir: dir }));
  await assert.rejects(sp.start(), (e: unknown) => {
    assert.ok(isHubError(e));
    assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
    assert.ok(e.userMessage.includes(dir), e.userMessage);
    assert.match(e.userMessage, /ENOTDIR/);
    return true;
  });
});

test('cwd is the notebook directory; progress events are reported', async () => {
  const base = mkdtempSync(join(tmpdir(), 'labhub-lp-'));
  tmp.push(base);
  const dir = join(base, 'nb', 'cwduser');
  const ctx = fixtureContext('cwduser', { notebookDir: dir });
  const sp = localProcessSpawner.create(ctx);
  live.push(sp);
  const seen: string[] = [];
  const startP = sp.start();
  const collect = (async () => {
    for await (const ev of sp.progress!()) seen.push(ev.message);
  })();
  const { url } = await startP;
  await collect;
  const info = (await (await fetch(url + '/')).json()) as { cwd: string };
  assert.equal(info.cwd, dir);
  assert.ok(
    seen.some((m) => m.includes(`Created the notebook directory ${dir}`)),
    seen.join('\n'),
  );
  assert.ok(
    seen.some((m) => /Server process started/.test(m)),
    seen.join('\n'),
  );
  await sp.stop();
});

test('describeLimitSupport says what is and is not enforced', () => {
  const d = describeLimitSupport();
  assert.match(d.memory, /^Spawner\.mem_limit: (enforced|NOT enforced|only approximated)/);
  assert.match(d.cpu, /^Spawner\.cpu_limit: (enforced|NOT enforced)/);
});

test('mem_limit/cpu_limit are applied through a cgroup when the machine allows it', async (t) => {
  const d = describeLimitSupport();
  if (!/cgroup v1/.test(d.memory))
    return t.skip(`this test checks cgroup v1 only; here: ${d.memory}`);
  const mem = 512 * 1024 * 1024;
  const { sp, info } = await startFixture(
    fixtureContext('limited', { memLimit: mem, cpuLimit: 0.5 }),
  );
  const cg = readFileSync(`/proc/${info.pid}/cgroup`, 'utf8');
  const memPath = /^\d+:memory:(.*)$/m.exec(cg)?.[1] ?? '';
  assert.match(memPath, /\/labhub\/limited$/);
  const dirs = sp.getState().cgroups as string[];
  const memDir = dirs.find((x) => x.includes('/memory/'))!;
  assert.equal(readFileSync(join(memDir, 'memory.limit_in_bytes'), 'utf8').trim(), String(mem));
  if (/cgroup v1/.test(d.cpu)) {
    const cpuDir = dirs.find((x) => x.includes('/cpu/'))!;
    assert.equal(readFileSync(join(cpuDir, 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
  }
  await sp.stop();
  for (const dir of dirs) assert.equal(existsSync(dir), false, `cgroup ${dir} removed after stop`);
});
