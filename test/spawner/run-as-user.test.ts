// Root only: the local-process spawner runs the server as a real Linux user, with that user's
// uid, gid and supplementary groups, and creates the notebook directory owned by the user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import { isHubError } from '../../src/errors.js';
import { bindUrlFor, buildHubEnv, serverPrefixFor } from '../../src/spawner/spawn-env.js';
import { DEFAULT_ENV_KEEP, localProcessSpawner } from '../../src/spawner/local-process.js';
import { lookupUnixUser, type UnixUser } from '../../src/spawner/unix-user.js';
import type { Spawner, SpawnerContext } from '../../src/spawner/types.js';
import { LinuxAccounts, isRootLinux } from '../helpers/linux-users.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/http-server.mjs', import.meta.url));
const isRoot = isRootLinux;
const acc = new LinuxAccounts('runas');
const suffix = randomBytes(4).toString('hex'); // for a name that must NOT exist
let userName = '';
let extraGroup = '';
let account: UnixUser;
let base = '';
const live: Spawner[] = [];

function gidOf(group: string): number {
  return Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
}

before(async () => {
  if (!isRoot) return;
  extraGroup = acc.group();
  // A primary group named like the user, one supplementary group, and a home directory.
  userName = acc.user({ home: true, groups: [extraGroup] }).name;
  const u = await lookupUnixUser(userName);
  assert.ok(u, 'test user exists');
  account = u;
  base = mkdtempSync(join(tmpdir(), 'labhub-runas-'));
  chmodSync(base, 0o755); // like /home: others may traverse it
});

after(async () => {
  for (const sp of live) await sp.stop({ now: true }).catch(() => {});
  if (!isRoot) return;
  if (base) rmSync(base, { recursive: true, force: true });
  acc.cleanup();
});

function context(notebookDir: string): SpawnerContext {
  const prefix = serverPrefixFor('/', userName, '');
  return {
    user: { id: 1, name: userName },
    serverName: '',
    log: silentLogger(),
    hubEnv: buildHubEnv({
      userName,
      serverName: '',
      apiToken: 'b'.repeat(32),
      hubApiUrl: 'http://127.0.0.1:1/hub/api',
      baseUrl: '/',
      serverPrefix: prefix,
      bindUrl: bindUrlFor('127.0.0.1', 0, prefix),
      oauthAccessScopes: [`access:servers!server=${userName}/`],
      oauthClientAllowedScopes: [],
    }),
    options: {
      cmd: [process.execPath, FIXTURE],
      args: [],
      notebookDir,
      defaultUrl: '',
      environment: { FIXTURE_WRITE: 'owned.txt' },
      envKeep: DEFAULT_ENV_KEEP,
      ip: '127.0.0.1',
      port: 0,
      startTimeout: 30,
      httpTimeout: 30,
      pollInterval: 30,
      memLimit: null,
      cpuLimit: null,
      extra: { runAsUser: 'auto' },
    },
  };
}

test(
  "as root, the server runs with the user's uid, gid and supplementary groups; files it writes are the user's",
  { skip: !isRoot && 'needs root' },
  async () => {
    const nbRoot = join(base, 'notebooks');
    const dir = join(nbRoot, userName);
    assert.equal(existsSync(nbRoot), false);
    const ctx = context(dir);
    const sp = localProcessSpawner.create(ctx);
    live.push(sp);
    const { url } = await sp.start();
    const info = (await (await fetch(url + ctx.hubEnv.JUPYTERHUB_SERVICE_PREFIX)).json()) as {
      pid: number;
      uid: number[];
      gid: number[];
      groups: number[];
      cwd: string;
      env: Record<string, string>;
    };
    const pid = sp.getState().pid as number;
    assert.equal(info.pid, pid, 'the pid in the state is the server itself (setpriv execs)');

    // Kernel's view of the process, not the fixture's.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const ids = (name: string) =>
      (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    assert.deepEqual(ids('Uid'), [account.uid, account.uid, account.uid, account.uid]);
    assert.deepEqual(ids('Gid'), [account.gid, account.gid, account.gid, account.gid]);
    assert.deepEqual(
      new Set(ids('Groups')),
      new Set([account.gid, gidOf(extraGroup)]),
      "primary + supplementary groups, not root's",
    );

    assert.equal(info.env.USER, userName);
    assert.equal(info.env.LOGNAME, userName);
    assert.equal(info.env.HOME, account.home);
    assert.equal(info.env.SHELL, '/bin/sh');
    assert.equal(info.cwd, dir);

    const st = statSync(dir);
    assert.equal(st.uid, account.uid, `${dir} created owned by the user`);
    assert.equal(st.gid, account.gid);
    assert.equal(st.mode & 0o777, 0o700, "a user's own notebook folder is private");
    // The shared parent it had to create stays the hub's (root's), so users cannot touch each other's dirs.
    assert.equal(statSync(nbRoot).uid, 0);
    assert.equal(statSync(nbRoot).mode & 0o777, 0o755);
    const written = statSync(join(dir, 'owned.txt'));
    assert.equal(written.uid, account.uid);
    assert.equal(written.gid, account.gid);

    await sp.stop();
    assert.equal(typeof (await sp.poll()), 'number');
  },
);

test(
  'as root, a user without a Linux account is refused unless run_as_user is self (never a silent root server)',
  { skip: !isRoot && 'needs root' },
  async () => {
    const ctx = context('');
    ctx.user = { id: 2, name: `nosuch${suffix}` };
    const refused = localProcessSpawner.create(ctx);
    live.push(refused);
    await assert.rejects(
      refused.start(),
      (e: any) =>
        e.code === 'LABHUB_ERR_SPAWN_FAILED' &&
        /no Linux account/.test(e.message) &&
        /run_as_user/.test(e.message),
    );
    const selfCtx = context('');
    selfCtx.user = { id: 2, name: `nosuch${suffix}` };
    selfCtx.options.extra = { ...selfCtx.options.extra, runAsUser: 'self' };
    const sp = localProcessSpawner.create(selfCtx);
    live.push(sp);
    const { url } = await sp.start();
    const info = (await (await fetch(url + '/')).json()) as { uid: number[] };
    assert.equal(info.uid[0], 0);
    await sp.stop({ now: true });
  },
);

test(
  'as root, a notebook directory the user cannot reach fails at once, saying which directory blocks',
  { skip: !isRoot && 'needs root' },
  async () => {
    const locked = join(base, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    const dir = join(locked, 'nb', userName);
    const sp = localProcessSpawner.create(context(dir));
    live.push(sp);
    await assert.rejects(sp.start(), (e: unknown) => {
      assert.ok(isHubError(e));
      assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
      assert.ok(
        e.userMessage.includes(`user ${userName} cannot enter ${locked} (mode 0700`),
        e.userMessage,
      );
      return true;
    });
    assert.equal(typeof (await sp.poll()), 'number');
  },
);
