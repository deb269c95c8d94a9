// `labhub doctor` run beside a live labhub: the ports its own hub and proxy hold are not
// problems, and labhub's own Python environment counts as providing jupyterhub-singleuser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runChecks, type CheckResult } from '../../src/cli/doctor-checks.js';
import { MARKER_FILE } from '../../src/spawner/user-env.js';
import { startTestHub } from '../helpers/test-hub.js';

const PORTS = /^(public port|hub port|proxy API port) /;
const show = (rs: CheckResult[]) =>
  rs.map((r) => `[${r.status}] ${r.name}: ${r.detail}`).join('\n');

test('doctor beside a running hub: its own ports are in use by this labhub, not warnings', async () => {
  const t = await startTestHub();
  const file = join(t.dir, 'labhub.yaml');
  writeFileSync(file, stringify(t.config));
  try {
    const rs = await runChecks({ config: file });
    const ports = rs.filter((r) => PORTS.test(r.name));
    assert.equal(ports.length, 3, show(rs));
    for (const r of ports) {
      assert.equal(r.status, 'ok', show(ports));
      assert.match(r.detail, /is in use by this labhub's (hub|proxy)/);
    }
    assert.match(show(rs), /\[ok\] running labhub: a labhub hub for this configuration is running/);
  } finally {
    await t.stop({ keepDir: true });
  }
  try {
    const after = (await runChecks({ config: file })).filter((r) => PORTS.test(r.name));
    assert.ok(
      after.every((r) => r.status === 'ok' && /is free$/.test(r.detail)),
      show(after),
    );
  } finally {
    rmSync(t.dir, { recursive: true, force: true });
  }
});

test("doctor: jupyterhub-singleuser off PATH is fine when labhub's own environment provides it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-doctor-env-'));
  const savedPath = process.env.PATH;
  t.after(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });
  process.env.PATH = '/usr/bin:/bin'; // whatever this machine has, not on PATH here
  const venv = join(dir, 'venv');
  mkdirSync(join(venv, 'bin'), { recursive: true });
  writeFileSync(join(venv, 'bin', 'jupyterhub-singleuser'), '#!/bin/sh\n');
  chmodSync(join(venv, 'bin', 'jupyterhub-singleuser'), 0o755);
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, 'jupyterhub==6.1.1\n');
  writeFileSync(
    join(venv, MARKER_FILE),
    createHash('sha256').update('jupyterhub==6.1.1\n').digest('hex'),
  );
  const file = join(dir, 'labhub.yaml');
  writeFileSync(
    file,
    stringify({
      JupyterHub: { authenticator_class: 'dummy', db_url: `sqlite:///${join(dir, 'db.sqlite')}` },
      Labhub: { user_env_dir: venv, user_env_requirements: req },
    }),
  );
  const single = async () =>
    (await runChecks({ config: file })).find((r) => r.name === 'single-user command')!;
  let r = await single();
  assert.equal(r.status, 'ok', r.detail);
  assert.match(r.detail, /not on PATH; labhub's own Python environment provides it/);

  writeFileSync(req, 'jupyterhub==6.1.1\njupyterlab==4.6.6\n');
  r = await single();
  assert.equal(r.status, 'warn');
  assert.match(r.detail, /requirements file changed since it was built/);

  rmSync(venv, { recursive: true });
  r = await single();
  assert.equal(r.status, 'warn');
  assert.match(r.detail, /does not exist yet/);
});
