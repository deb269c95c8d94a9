// The quick start's `labhub --admin NAME` as root with PAM, through the built CLI (bin/labhub.js
// → dist/; run `npm run build` first): it creates the Linux account with a private home and a
// one-time password that must be changed at the first login, and, serving plain HTTP on all
// interfaces (in a private network namespace here), it says that logins cross the network in
// clear text and which line turns HTTPS on. On loopback it says nothing of the kind, and a second
// start leaves the existing account's password alone. The account is removed after.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';
import { pamCheck } from '../../src/auth/pam.js';
import { systemUserEntry } from '../../src/auth/system-users.js';
import { LinuxAccounts } from '../helpers/linux-users.js';
import { FAKE_SERVER, ROOT, alive, isRootLinux, waitFor } from './helpers.js';

const needsRoot = !isRootLinux
  ? 'needs root on Linux (CI runs as root)'
  : spawnSync('unshare', ['--net', 'true']).status !== 0
    ? 'unshare (network namespaces) is not permitted here'
    : false;

const CLI = join(ROOT, 'bin/labhub.js');
// The account `labhub --admin` creates; the helper picks the unused name and removes it after.
const acc = new LinuxAccounts('cfadm');
const NAME = needsRoot ? 'ltunused' : acc.reserveName();
const dir = mkdtempSync(join(tmpdir(), 'labhub-first-admin-'));
chmodSync(dir, 0o755);
const started: ChildProcess[] = [];

after(() => {
  for (const c of started) if (c.pid && alive(c.pid)) c.kill('SIGKILL');
  stopProxy();
  if (!needsRoot) acc.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function stopProxy(): void {
  const pidFile = join(dir, 'proxy.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (pid > 0 && alive(pid)) process.kill(pid, 'SIGTERM');
}

async function config(ip: string): Promise<void> {
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'labhub.yaml'),
    [
      'JupyterHub:',
      '  authenticator_class: pam',
      `  ip: '${ip}'`,
      `  port: ${port}`,
      `  hub_port: ${hubPort}`,
      `  db_url: sqlite:///${join(dir, 'hub.sqlite')}`,
      `  cookie_secret_file: ${join(dir, 'cookie_secret')}`,
      'ConfigurableHTTPProxy:',
      `  api_url: http://127.0.0.1:${apiPort}`,
      `  pid_file: ${join(dir, 'proxy.pid')}`,
      'Spawner:',
      `  cmd: ['${process.execPath}', '${FAKE_SERVER}']`,
      '',
    ].join('\n'),
  );
}

/** true once the process handles SIGINT itself (start.ts installs that after its output). */
function handlesSigint(pid: number): boolean {
  const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return !!m && (BigInt(`0x${m[1]}`) & 2n) !== 0n;
}

/** Start the CLI (in a new network namespace when `isolated`); stop it once it is up. */
async function run(isolated: boolean): Promise<string> {
  const args = [CLI, '--admin', NAME, '--config', 'labhub.yaml'];
  // unshare execs sh, which execs node: the child pid is the hub's.
  const child = isolated
    ? spawn(
        'unshare',
        ['--net', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...args],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitFor(
      'labhub to start',
      () => child.exitCode !== null || (/is running/.test(out) && handlesSigint(child.pid!)),
      90_000,
    );
  } finally {
    child.kill('SIGINT');
    await exited;
    stopProxy();
  }
  assert.match(out, /SIGINT: stopping the hub/, 'it ran until stopped');
  return out;
}

test(
  '--admin as root with PAM: a Linux account with a private home and a one-time password; a clear-text warning on all interfaces',
  { skip: needsRoot, timeout: 180_000 },
  async () => {
    await config('');
    const out = await run(true);
    const m = /One-time password:\s+(\S+)/.exec(out);
    assert.ok(m, out);
    const otp = m[1]!;
    assert.match(out, /At the first login you choose a new password/);
    const entry = (await systemUserEntry(NAME))!;
    assert.ok(entry, 'the account exists');
    assert.equal(statSync(entry.home).mode & 0o777, 0o700, 'a private home');
    assert.match(
      execFileSync('chage', ['-l', NAME], { env: { ...process.env, LANG: 'C' } }).toString(),
      /password must be changed/,
    );
    const r = await pamCheck(NAME, otp);
    assert.equal(!r.ok && r.passwordChangeRequired, true, 'PAM asks for a new password');

    assert.match(out, /Warning: labhub serves plain HTTP on all interfaces, port \d+/);
    assert.match(out, /cross the network in clear text until HTTPS is on/);
    assert.match(out, /add to labhub\.yaml:\s+Labhub: \{ generate_self_signed_cert: true \}/);
    assert.ok(out.includes(`kill $(cat ${join(dir, 'proxy.pid')})`), out);
    assert.match(out, /JupyterHub\.ssl_cert and JupyterHub\.ssl_key/);
  },
);

test(
  '--admin again, on loopback: the existing account keeps its password, and no clear-text warning',
  { skip: needsRoot, timeout: 180_000 },
  async () => {
    const before = execFileSync('getent', ['shadow', NAME]).toString();
    await config('127.0.0.1');
    const out = await run(false);
    assert.match(out, new RegExp(`${NAME} is an admin: log in with the Linux password of ${NAME}`));
    assert.doesNotMatch(out, /One-time password/);
    assert.doesNotMatch(out, /plain HTTP/);
    assert.equal(execFileSync('getent', ['shadow', NAME]).toString(), before, 'shadow unchanged');
  },
);
