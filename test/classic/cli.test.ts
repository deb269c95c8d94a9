// `labhub doctor` and `labhub migrate-config` on the first user's file, through the built CLI
// (bin/labhub.js → dist/; run `npm run build` first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, needsRoot } from './helpers.js';
import { freePort } from '../helpers/ports.js';

const CLI = join(ROOT, 'bin/labhub.js');
const FIXTURE = join(ROOT, 'test/config/fixtures/first-user');

function labhub(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LABHUB_DEBUG: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'labhub-cli-'));
  chmodSync(d, 0o755);
  return d;
}

test(
  "labhub doctor on the first user's file: explains hub_port, the renamed keys and set('jupyter'); warnings only",
  { skip: needsRoot },
  () => {
    const dir = tmp();
    try {
      copyFileSync(join(FIXTURE, 'jupyterhub_config.py'), join(dir, 'jupyterhub_config.py'));
      const r = labhub(['doctor', '--config', 'jupyterhub_config.py'], dir);
      assert.equal(r.err, '', 'nothing on stderr');
      // hub_port = 80: what it does, and what to set instead.
      assert.match(r.out, /hub_port = 80 only moves the hub's internal API port/);
      assert.match(r.out, /To serve users on port 80, set JupyterHub\.port = 80/);
      // group_whitelist and set('jupyter')
      assert.match(r.out, /group_whitelist was renamed to LocalAuthenticator\.allowed_groups/);
      assert.match(r.out, /silently IGNORES group_whitelist/);
      assert.equal(
        (r.out.match(/set\('jupyter'\) is, in Python, the collection of its letters/g) ?? [])
          .length,
        2,
        'admin_users and group_whitelist lines',
      );
      assert.match(r.out, /jupyterhub_config\.py:6: set\('jupyter'\)/);
      assert.match(r.out, /statsd_prefix is set but JupyterHub\.statsd_host is not/);
      // Machine checks, each with its fix.
      assert.match(r.out, /\[ok {2}\] PAM service/);
      assert.match(r.out, /public address: JupyterHub\.ip is a wildcard/);
      for (const line of r.out
        .split('\n')
        .filter((l) => l.startsWith('[WARN]') && !l.startsWith('[WARN] config'))) {
        const next = r.out.split('\n')[r.out.split('\n').indexOf(line) + 1] ?? '';
        assert.match(next, /^\s+fix: /, `a fix for: ${line}`);
      }
      // Exit status: non-zero only for errors. Ports in use on this machine are warnings, so only
      // the rest of the machine decides; say which when it fails.
      const errors = r.out.split('\n').filter((l) => l.startsWith('[FAIL]'));
      assert.equal(r.code, errors.length ? 1 : 0, r.out);
      assert.deepEqual(errors, [], 'no real errors on a root Debian machine with PAM');
      assert.match(r.out, /^0 problem\(s\), \d+ warning\(s\)\.$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('labhub doctor exits 1 for real errors, and says the fix', { skip: needsRoot }, () => {
  const dir = tmp();
  try {
    writeFileSync(
      join(dir, 'jupyterhub_config.py'),
      [
        "c.JupyterHub.ssl_cert = '/nonexistent/cert.pem'",
        "c.JupyterHub.ssl_key = '/nonexistent/key.pem'",
        "c.PAMAuthenticator.service = 'no-such-service-xyz'",
        "c.Spawner.cmd = ['/nonexistent/jupyterhub-singleuser']",
        `c.Spawner.notebook_dir = '${dir}/home/jupyter/notebooks/{username}'`,
      ].join('\n') + '\n',
    );
    mkdirSync(join(dir, 'home/jupyter'), { recursive: true, mode: 0o700 }); // what Debian's adduser makes
    chmodSync(join(dir, 'home/jupyter'), 0o700);
    const r = labhub(['doctor', '--config', 'jupyterhub_config.py'], dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /\[FAIL\] ssl_cert: \/nonexistent\/cert\.pem .*cannot be read\n\s+fix: /);
    assert.match(
      r.out,
      /\[FAIL\] authenticator: PAM is needed .* the PAM service "no-such-service-xyz" has no \/etc\/pam\.d\/no-such-service-xyz.*\n\s+fix: Set PAMAuthenticator\.service/,
    );
    assert.match(r.out, /\[FAIL\] single-user command: .*\n\s+fix: /);
    assert.match(r.out, /^3 problem\(s\)/m);
    assert.match(
      r.out,
      new RegExp(
        `\\[WARN\\] notebook_dir access: ${dir}/home/jupyter \\(mode 700\\) does not let other users pass.*\\n\\s+fix: chmod o\\+x ${dir}/home/jupyter`,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("labhub migrate-config on the first user's file prints YAML with a comment per changed line", () => {
  const dir = tmp();
  try {
    const r = labhub(['migrate-config', join(FIXTURE, 'jupyterhub_config.py')], dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      readFileSync(join(FIXTURE, 'migrated.yaml'), 'utf8'),
      'the golden output, end to end',
    );
    const y = parse(r.out) as Record<string, Record<string, unknown>>;
    assert.deepEqual(y.Authenticator!.admin_users, ['jupyter']);
    assert.deepEqual(y.LocalAuthenticator!.allowed_groups, ['jupyter']);
    assert.match(
      r.out,
      /allowed_groups: \[ jupyter \]\s+# line 7: renamed from LocalAuthenticator\.group_whitelist/,
    );
    assert.match(
      r.out,
      /admin_users: \[ jupyter \]\s+# line 6: .*set\('jupyter'\) read as \{'jupyter'\}/,
    );
    assert.match(r.out, /hub_port: 80\s+# line 2: note: hub_port is the hub's internal API port/);

    // -o writes the file, and labhub reads it back to the same config.
    const out = join(dir, 'labhub.yaml');
    const w = labhub(['migrate-config', join(FIXTURE, 'jupyterhub_config.py'), '-o', out], dir);
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /Wrote .*labhub\.yaml/);
    assert.equal(readFileSync(out, 'utf8'), r.out);
    const again = labhub(['migrate-config', join(FIXTURE, 'jupyterhub_config.py'), '-o', out], dir);
    assert.notEqual(again.code, 0, 'does not overwrite an existing file');
    assert.match(again.err, /^labhub: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('labhub proxy passes its options and their values to labhub-proxy', async () => {
  const [port, apiPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [CLI, 'proxy', '--port', `${port}`, '--api-port', `${apiPort}`],
    {
      env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: 'cli-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const ready = await Promise.race([
      (async () => {
        while (!out.includes('Proxy API at')) await new Promise((r) => setTimeout(r, 50));
        return true;
      })(),
      exited.then(() => false),
    ]);
    assert.ok(ready, out);
    const r = await fetch(`http://127.0.0.1:${apiPort}/api/routes`, {
      headers: { authorization: 'token cli-test' },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {});
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
