// labhub install-service / uninstall-service: the unit it writes passes `systemd-analyze verify`
// (Debian's systemd; the container runs no systemd, so enabling is not exercised: --root writes
// the files without systemctl), the env file is 0600, uninstall keeps configuration; and the hub
// logs journal lines (syslog priority prefixes, no timestamp) when stdout is the journal stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  fstatSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInstallService, runUninstallService } from '../../src/cli/service.js';
import { ROOT } from '../helpers/test-hub.js';

function verify(unit: string): { status: number | null; out: string } {
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  if (r.error)
    throw new Error(`systemd-analyze is missing (${r.error.message}): apt-get install systemd`);
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

test('install-service writes a hardened unit that systemd-analyze verify accepts, and a 0600 env file; uninstall keeps the configuration', async () => {
  const root = mkdtempSync(join(tmpdir(), 'labhub-service-'));
  try {
    const config = join(root, 'my hub.yaml'); // a space: ExecStart must quote it
    writeFileSync(config, 'JupyterHub: { port: 8000 }\n');
    await runInstallService({ root, config, name: 'labhub-test' });
    const unitFile = join(root, 'etc/systemd/system/labhub-test.service');
    const unit = readFileSync(unitFile, 'utf8');
    assert.match(
      unit,
      new RegExp(`^ExecStart=${process.execPath} ${ROOT}bin/labhub.js --config "${config}"$`, 'm'),
    );
    for (const k of [
      'NoNewPrivileges=yes',
      'ProtectSystem=true',
      'ProtectKernelTunables=yes',
      'RestrictSUIDSGID=yes',
      'UMask=0077',
      'KillMode=process',
      'StateDirectoryMode=0700',
      'EnvironmentFile=-/etc/labhub-test/labhub-test.env',
    ])
      assert.ok(unit.includes(`\n${k}\n`), k);
    assert.doesNotMatch(unit, /CAP_SYS_ADMIN|MemoryDenyWriteExecute/);
    const v = verify(unitFile);
    assert.equal(v.status, 0, v.out);
    assert.equal(v.out, '', `systemd-analyze verify complained:\n${v.out}`);
    const env = join(root, 'etc/labhub-test/labhub-test.env');
    assert.equal(statSync(env).mode & 0o777, 0o600);
    // The check itself catches a broken unit (a misspelt hardening key).
    const broken = join(root, 'broken.service');
    writeFileSync(broken, unit.replace('ProtectSystem=true', 'ProtectSytem=true'));
    assert.match(verify(broken).out, /Unknown key.*ProtectSytem/);

    writeFileSync(env, 'LABHUB_LOG_LEVEL=debug\n', { mode: 0o600 });
    await runInstallService({ root, config, name: 'labhub-test' });
    assert.equal(
      readFileSync(env, 'utf8'),
      'LABHUB_LOG_LEVEL=debug\n',
      'a second install keeps the env file',
    );
    await runUninstallService({ root, name: 'labhub-test' });
    assert.ok(!existsSync(unitFile));
    assert.ok(existsSync(env));
    await assert.rejects(
      runInstallService({ root, config: join(root, 'missing.yaml') }),
      /No config file at/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('under systemd (JOURNAL_STREAM names stdout) log lines carry syslog priorities and no timestamp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-journal-'));
  try {
    const run = (journal: boolean) => {
      const file = join(dir, `out-${journal}.log`);
      const fd = openSync(file, 'w');
      const st = fstatSync(fd);
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          "const { createLogger } = await import('./src/log.ts'); const l = createLogger(); l.info('hello'); l.warn({ component: 'proxy' }, 'careful'); l.error('broken');",
        ],
        {
          cwd: ROOT,
          stdio: ['ignore', fd, 'inherit'],
          env: {
            ...process.env,
            LABHUB_LOG_FORMAT: '',
            JOURNAL_STREAM: journal ? `${st.dev}:${st.ino}` : `${st.dev}:1`,
          },
        },
      );
      closeSync(fd);
      assert.equal(r.status, 0);
      return readFileSync(file, 'utf8');
    };
    assert.equal(run(true), '<6>hello\n<4>careful (component=proxy)\n<3>broken\n');
    assert.match(run(false), /^\[I \d{4}-\d\d-\d\d [\d:.]+ labhub\] hello\n\[W /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
