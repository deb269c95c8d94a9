// `labhub doctor` names every file holding a credential that other accounts can read (audit V4),
// with the exact chmod that fixes it, and changes nothing itself. Runs the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CLI, cleanup, openDir, writeHubConfig } from './cli-hub.js';

function doctor(dir: string) {
  const r = spawnSync(process.execPath, [CLI, 'doctor', '--config', 'labhub.yaml'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LABHUB_DEBUG: '', JPY_COOKIE_SECRET: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The report line about `file` and the fix line under it. */
function entry(out: string, file: string): [string, string] | null {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith('[') && l.includes(`${file} `));
  return i < 0 ? null : [lines[i]!, lines[i + 1] ?? ''];
}

test('labhub doctor reports a readable database, -wal, -shm, backup, cookie secret, TLS key and a config file with tokens, each with its chmod; once fixed, nothing', async () => {
  const dir = openDir('labhub-doctor-secrets-');
  try {
    await writeHubConfig(dir);
    const configFile = join(dir, 'labhub.yaml');
    const config = parse(readFileSync(configFile, 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    config.ConfigurableHTTPProxy!.auth_token = 'c'.repeat(64);
    writeFileSync(configFile, stringify(config));
    chmodSync(configFile, 0o644);
    const secretFiles = [
      'hub.sqlite',
      'hub.sqlite-wal',
      'hub.sqlite-shm',
      'hub.sqlite.2026-12-01T00-00-00-000Z.bak',
      'cookie_secret',
      'labhub-selfsigned-key.pem',
    ].map((n) => join(dir, n));
    for (const f of secretFiles) {
      writeFileSync(f, f.endsWith('cookie_secret') ? 'ab'.repeat(32) : '');
      chmodSync(f, f.endsWith('-shm') ? 0o640 : 0o644);
    }

    const r = doctor(dir);
    assert.equal(r.code, 1, `problems make doctor fail:\n${r.out}${r.err}`);
    for (const f of secretFiles) {
      const e = entry(r.out, f);
      assert.ok(e, `doctor names ${f}:\n${r.out}`);
      const m = f.endsWith('-shm') ? '640' : '644';
      assert.match(e[0], new RegExp(`^\\[FAIL\\] .*is readable by other accounts \\(mode ${m}\\)`));
      assert.match(e[1], new RegExp(`^\\s+fix: chmod 600 ${f.replace(/[.]/g, '\\.')}\\b`));
      assert.equal((statSync(f).mode & 0o777).toString(8), m, 'doctor changes nothing');
    }
    const c = entry(r.out, configFile);
    assert.ok(c, `doctor names the config file:\n${r.out}`);
    assert.match(c[0], /^\[WARN\] config file: .*ConfigurableHTTPProxy\.auth_token/);
    assert.ok(!c[0].includes('c'.repeat(64)), 'the token itself is not printed');
    assert.match(c[1], new RegExp(`^\\s+fix: chmod 600 ${configFile}`));

    for (const f of [...secretFiles, configFile]) chmodSync(f, 0o600);
    const fixed = doctor(dir);
    for (const f of [...secretFiles, configFile])
      assert.equal(entry(fixed.out, f), null, `nothing about ${f} once it is 0600:\n${fixed.out}`);
  } finally {
    cleanup(dir);
  }
});
