/**
 * Golden tests for config loading and migrate-config. Fixtures live in test/config/fixtures/;
 * expected outputs sit next to them (`expected-config.json`, `expected-warnings.json`,
 * `migrated.yaml`, `errors/*.txt`). Regenerate after an intended change with
 * `LABHUB_UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/config` and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError } from '../../src/errors.js';
import {
  classChain,
  loadConfig,
  traitsFor,
  type PAMAuthenticatorTraits,
} from '../../src/config/index.js';
import { migrateConfig } from '../../src/cli/migrate-config.js';

const FIX = new URL('./fixtures/', import.meta.url).pathname;
const UPDATE = process.env.LABHUB_UPDATE_GOLDEN === '1';

function golden(path: string, actual: string): void {
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE)
      assert.fail(`golden file ${path} is missing; run with LABHUB_UPDATE_GOLDEN=1 to create it`);
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `differs from golden ${path}`);
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function loadFixture(dir: string, file: string) {
  const r = loadConfig({ cwd: join(FIX, dir), file });
  return { ...r, warnings: r.warnings.map((w) => ({ ...w })) };
}

for (const dir of ['first-user', 'kitchen-sink']) {
  test(`golden: ${dir}/jupyterhub_config.py loads to the expected config and warnings`, () => {
    const { config, warnings } = loadFixture(dir, 'jupyterhub_config.py');
    golden(join(FIX, dir, 'expected-config.json'), json(config));
    golden(join(FIX, dir, 'expected-warnings.json'), json(warnings));
  });

  test(`golden: migrate-config ${dir}/jupyterhub_config.py, and the YAML loads to the same config`, (t) => {
    const yaml = migrateConfig(join(FIX, dir, 'jupyterhub_config.py'));
    golden(join(FIX, dir, 'migrated.yaml'), yaml);
    const tmp = mkdtempSync(join(tmpdir(), 'labhub-migrate-'));
    t.after(() => rmSync(tmp, { recursive: true }));
    writeFileSync(join(tmp, 'labhub.yaml'), yaml);
    const fromYaml = loadConfig({ cwd: tmp });
    assert.deepEqual(fromYaml.config, loadFixture(dir, 'jupyterhub_config.py').config);
    // The migrated file no longer needs renames or set() fixes.
    const left = fromYaml.warnings.map((w) => w.code);
    for (const code of [
      'LABHUB_WARN_CONFIG_RENAMED',
      'LABHUB_WARN_CONFIG_GROUP_WHITELIST',
      'LABHUB_WARN_CONFIG_SET_OF_LETTERS',
      'LABHUB_WARN_CONFIG_PERCENT_U',
      'LABHUB_WARN_CONFIG_OLD_FORM',
      'LABHUB_WARN_CONFIG_UNSUPPORTED',
    ]) {
      assert.ok(!left.includes(code), `${code} still raised by the migrated YAML`);
    }
  });
}

test("the first user's jupyterhub_config.py, verbatim: what it meant, and every problem explained", () => {
  const { config, warnings } = loadFixture('first-user', 'jupyterhub_config.py');
  // Values: what the file obviously meant.
  assert.equal(config.JupyterHub.ip, '');
  assert.equal(config.JupyterHub.port, 8000);
  assert.equal(config.JupyterHub.hub_port, 80);
  assert.equal(config.JupyterHub.statsd_prefix, 'jupyterhub');
  assert.equal(config.JupyterHub.statsd_host, '');
  assert.equal(config.Spawner.notebook_dir, '/home/jupyter/notebooks/{username}');
  assert.deepEqual(config.Authenticator.admin_users, ['jupyter']);
  assert.deepEqual(config.Authenticator.allowed_users, []);
  const pam = traitsFor<PAMAuthenticatorTraits>(config, classChain('PAMAuthenticator'));
  assert.deepEqual(pam.allowed_groups, ['jupyter']);
  assert.deepEqual(pam.admin_users, ['jupyter']);
  assert.equal(pam.encoding, 'utf8');
  assert.equal(pam.create_system_users, false);
  assert.equal(pam.allow_all, false);
  assert.equal(pam.service, 'login');
  // Warnings: one per problem, each with its line.
  const got = warnings.map((w) => [w.line, w.code, w.key]);
  assert.deepEqual(got, [
    [1, 'LABHUB_WARN_CONFIG_WILDCARD_IP', 'JupyterHub.ip'],
    [2, 'LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC', 'JupyterHub.hub_port'],
    [5, 'LABHUB_WARN_CONFIG_RENAMED', 'Authenticator.allowed_users'],
    [6, 'LABHUB_WARN_CONFIG_RENAMED', 'Authenticator.admin_users'],
    [6, 'LABHUB_WARN_CONFIG_SET_OF_LETTERS', 'Authenticator.admin_users'],
    [7, 'LABHUB_WARN_CONFIG_GROUP_WHITELIST', 'LocalAuthenticator.allowed_groups'],
    [7, 'LABHUB_WARN_CONFIG_SET_OF_LETTERS', 'LocalAuthenticator.allowed_groups'],
    [8, 'LABHUB_WARN_CONFIG_STATSD_NO_HOST', 'JupyterHub.statsd_prefix'],
  ]);
  assert.ok(warnings.every((w) => w.file === 'jupyterhub_config.py'));
  const msg = (line: number, code: string) =>
    warnings.find((w) => w.line === line && w.code === code)!.message;
  assert.match(
    msg(6, 'LABHUB_WARN_CONFIG_SET_OF_LETTERS'),
    /jupyterhub_config\.py:6: set\('jupyter'\).*make users j, u, p, y, t, e, r admins.*\{'jupyter'\}/,
  );
  assert.match(
    msg(7, 'LABHUB_WARN_CONFIG_GROUP_WHITELIST'),
    /group_whitelist.*allowed_groups.*IGNORES/,
  );
  assert.match(
    msg(6, 'LABHUB_WARN_CONFIG_RENAMED'),
    /JupyterHub\.admin_users.*Authenticator\.admin_users/,
  );
  assert.match(
    msg(2, 'LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC'),
    /internal API port.*users still connect on JupyterHub\.port, which is 8000/,
  );
  assert.match(msg(8, 'LABHUB_WARN_CONFIG_STATSD_NO_HOST'), /no statsd metrics will be sent/);
  // whitelist = set() is not "nobody may log in", because allowed_groups lets the group in.
  assert.ok(!warnings.some((w) => w.code === 'LABHUB_WARN_CONFIG_NOBODY_ALLOWED'));
});

test('golden: YAML, JSON, TOML and jupyterhub_config.py with the same settings load identically', () => {
  const files = ['labhub.yaml', 'labhub.json', 'labhub.toml', 'jupyterhub_config.py'];
  const loaded = files.map((f) => loadFixture('equivalence', f));
  golden(join(FIX, 'equivalence', 'expected-config.json'), json(loaded[0]!.config));
  for (const [i, r] of loaded.entries()) {
    assert.deepEqual(r.config, loaded[0]!.config, `${files[i]} differs from labhub.yaml`);
    assert.deepEqual(r.warnings, [], `${files[i]} has warnings`);
  }
});

test('golden: error messages (syntax with file:line, unknown key with did-you-mean, rename conflict, type error)', () => {
  const dir = join(FIX, 'errors');
  const inputs = readdirSync(dir)
    .filter((f) => !f.endsWith('.txt'))
    .sort();
  assert.ok(inputs.length >= 5);
  const codes: Record<string, string> = {};
  for (const f of inputs) {
    let err: unknown;
    try {
      loadConfig({ cwd: dir, file: f });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof HubError, `${f} should fail to load`);
    codes[f] = err.code;
    golden(join(dir, `${f}.txt`), `${err.code}\n${err.userMessage}\n`);
  }
  assert.deepEqual(codes, {
    'conflict.py': 'LABHUB_ERR_CONFIG',
    'syntax.py': 'LABHUB_ERR_CONFIG_SYNTAX',
    'type-error.py': 'LABHUB_ERR_CONFIG',
    'unknown-key.py': 'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
    'unknown-key.yaml': 'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
  });
});
