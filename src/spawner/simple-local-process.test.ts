import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import { spawnerContractSuite } from '../../test/contracts/spawner-suite.js';
import { simpleLocalProcessSpawner } from './simple-local-process.js';
import type { Spawner, SpawnerContext, SpawnerOptions } from './types.js';
import { FIXTURE, fixtureContext } from '../../test/spawner/fixture-context.js';

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'labhub-simple-'));
const homes = join(base, 'homes');
const live: Spawner[] = [];
after(async () => {
  for (const sp of live) await sp.stop({ now: true }).catch(() => {});
  rmSync(base, { recursive: true, force: true });
});

/** A context for the simple spawner with HOME under this test's directory. */
function simpleContext(
  userName: string,
  o: Partial<SpawnerOptions> = {},
  template = join(homes, '{username}'),
): SpawnerContext {
  const ctx = fixtureContext(userName, o);
  ctx.options.extra = { ...ctx.options.extra, home_dir_template: template };
  delete ctx.options.extra.runAsUser;
  return ctx;
}

async function startInfo(ctx: SpawnerContext) {
  const sp = simpleLocalProcessSpawner.create(ctx);
  live.push(sp);
  const { url } = await sp.start();
  const info = (await (await fetch(url + '/')).json()) as {
    cwd: string;
    env: Record<string, string>;
    uid: number[];
  };
  return { sp, info };
}

function expectSpawnFailed(re: RegExp) {
  return (e: unknown) => {
    assert.ok(isHubError(e), `HubError expected, got ${String(e)}`);
    assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
    assert.match(e.userMessage, re);
    return true;
  };
}

spawnerContractSuite({
  definition: simpleLocalProcessSpawner,
  makeContext: (req) =>
    simpleContext(req.userName, {
      ...(req.cmd ? { cmd: req.cmd } : {}),
      notebookDir: req.notebookDir ?? '',
    }),
});

test("the server runs as the hub's own user, even when a Linux account has the user's name", async () => {
  // 'nobody' exists on every Debian system; local-process would run as it when root.
  const { sp, info } = await startInfo(simpleContext('nobody'));
  assert.equal(info.uid[0], process.getuid?.());
  await sp.stop();
});

test("HOME is home_dir_template (made 0755) and the working directory; USER is the hub user's name; SHELL /bin/bash", async () => {
  const { sp, info } = await startInfo(simpleContext('homer'));
  const home = join(homes, 'homer');
  assert.equal(info.env.HOME, home);
  assert.equal(info.cwd, home);
  assert.equal(info.env.USER, 'homer');
  assert.equal(info.env.SHELL, '/bin/bash');
  assert.equal(statSync(home).mode & 0o777, 0o755);
  assert.equal(statSync(home).uid, process.getuid?.());
  await sp.stop();
});

test('home_dir_template defaults to /tmp/{username}, as in JupyterHub', async () => {
  const name = `lhsimple${process.pid.toString(36)}`;
  const ctx = fixtureContext(name);
  delete ctx.options.extra.runAsUser;
  try {
    const { sp, info } = await startInfo(ctx);
    assert.equal(info.env.HOME, `/tmp/${name}`);
    assert.equal(info.cwd, `/tmp/${name}`);
    await sp.stop();
  } finally {
    rmSync(`/tmp/${name}`, { recursive: true, force: true });
  }
});

test('a relative notebook_dir is created under HOME; the working directory stays HOME', async () => {
  const { sp, info } = await startInfo(simpleContext('nbrel', { notebookDir: 'work/notes' }));
  const home = join(homes, 'nbrel');
  assert.ok(statSync(join(home, 'work/notes')).isDirectory());
  assert.equal(info.cwd, home);
  await sp.stop();
});

test('a home directory that others can write is refused (their files would run as the hub user)', async () => {
  const home = join(homes, 'shared');
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o777);
  const sp = simpleLocalProcessSpawner.create(simpleContext('shared'));
  live.push(sp);
  await assert.rejects(
    sp.start(),
    expectSpawnFailed(/is writable by its group.*home_dir_template/),
  );
  chmodSync(home, 0o755);
  const { sp: ok } = await startInfo(simpleContext('shared'));
  await ok.stop();
});

test('a home directory that is a symbolic link is refused', async () => {
  const target = join(base, 'elsewhere');
  mkdirSync(target, { mode: 0o755 });
  mkdirSync(homes, { recursive: true });
  symlinkSync(target, join(homes, 'linked'));
  const sp = simpleLocalProcessSpawner.create(simpleContext('linked'));
  live.push(sp);
  await assert.rejects(sp.start(), expectSpawnFailed(/is a symbolic link/));
});

test(
  "a home directory owned by another account is refused, naming its owner and the hub's uid",
  { skip: !isRoot && 'needs root (chown)' },
  async () => {
    const nobody = 65534;
    const home = join(homes, 'squatted');
    mkdirSync(home, { recursive: true, mode: 0o755 });
    chownSync(home, nobody, nobody);
    const sp = simpleLocalProcessSpawner.create(simpleContext('squatted'));
    live.push(sp);
    await assert.rejects(
      sp.start(),
      expectSpawnFailed(/squatted belongs to uid 65534, not to the hub's user \(uid 0\)/),
    );
  },
);

test(
  'as root, a jupyter command without --allow-root is refused naming Spawner.args; with it, it starts',
  { skip: !isRoot && 'needs root' },
  async () => {
    const bin = join(base, 'bin');
    mkdirSync(bin, { recursive: true });
    const fake = join(bin, 'jupyterhub-singleuser');
    writeFileSync(fake, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${FIXTURE}\n`);
    chmodSync(fake, 0o755);
    const refused = simpleLocalProcessSpawner.create(simpleContext('rooted', { cmd: [fake] }));
    live.push(refused);
    await assert.rejects(
      refused.start(),
      expectSpawnFailed(
        /Jupyter refuses without --allow-root.*c\.Spawner\.args = \['--allow-root'\]/,
      ),
    );
    assert.equal(await refused.poll(), 0, 'nothing started');
    const { sp, info } = await startInfo(
      simpleContext('rooted', { cmd: [fake], args: ['--allow-root'] }),
    );
    assert.equal(info.uid[0], 0);
    await sp.stop();
  },
);

test('startup notices: always a warning that every server runs as the hub user; under root without --allow-root an error', () => {
  const notices = simpleLocalProcessSpawner.startupNotices!({
    cmd: ['jupyterhub-singleuser'],
    args: [],
    extra: {},
  });
  assert.equal(notices[0]?.level, 'warn');
  assert.match(notices[0]!.message, /every user's server runs as the hub's own user/);
  assert.match(notices[0]!.message, /HOME \/tmp\/\{username\}/);
  const rootError = notices.find((n) => n.level === 'error');
  if (isRoot) assert.match(rootError?.fix ?? '', /c\.Spawner\.args = \['--allow-root'\]/);
  else assert.equal(rootError, undefined);
  const withFlag = simpleLocalProcessSpawner.startupNotices!({
    cmd: ['jupyterhub-singleuser'],
    args: ['--allow-root'],
    extra: {},
  });
  assert.equal(
    withFlag.some((n) => n.level === 'error'),
    false,
  );
});
