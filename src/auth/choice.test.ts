import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { chooseAuthenticator, pamFix, pamProblem } from './choice.js';
import { pamInstallHelp } from './pam-backends.js';

const dir = mkdtempSync(join(tmpdir(), 'labhub-choice-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = { root: true, linux: true };
const USER = { root: false, linux: true };

function choose(lines: string[], env = USER) {
  writeFileSync(join(dir, 'jupyterhub_config.py'), ['c = get_config()', ...lines].join('\n'));
  return chooseAuthenticator(loadConfig({ file: 'jupyterhub_config.py', cwd: dir }).config, env);
}

test('no authenticator_class: PAM as root, native for a non-root run without PAM settings', () => {
  assert.deepEqual(
    [choose([], ROOT).id, choose([], ROOT).pam, choose([], USER).id, choose([], USER).pam],
    ['pam', true, 'native', false],
  );
});

test('no authenticator_class but PAM settings: PAM even when not root (never native accounts)', () => {
  for (const line of [
    "c.LocalAuthenticator.allowed_groups = {'jupyter'}",
    "c.LocalAuthenticator.group_whitelist = {'jupyter'}",
    'c.LocalAuthenticator.create_system_users = True',
    "c.PAMAuthenticator.service = 'login'",
    "c.PAMAuthenticator.encoding = 'utf8'",
  ]) {
    const c = choose([line], USER);
    assert.equal(c.id, 'pam', line);
    assert.equal(c.pam, true, line);
    assert.match(c.why, /which only PAM uses/, line);
    assert.equal(c.pamSettings.length, 1, line);
  }
  assert.deepEqual(choose(["c.LocalAuthenticator.group_whitelist = {'j'}"]).pamSettings, [
    'LocalAuthenticator.allowed_groups',
  ]);
});

test('an explicit authenticator_class wins: native and dummy are used as asked, every PAM name means PAM', () => {
  const native = choose(
    ["c.JupyterHub.authenticator_class = 'native'", "c.LocalAuthenticator.allowed_groups = {'j'}"],
    ROOT,
  );
  assert.deepEqual([native.id, native.pam], ['native', false]);
  assert.deepEqual(native.pamSettings, ['LocalAuthenticator.allowed_groups']);
  assert.equal(choose(["c.JupyterHub.authenticator_class = 'dummy'"], ROOT).pam, false);
  for (const name of ['pam', 'PAMAuthenticator', 'jupyterhub.auth.PAMAuthenticator']) {
    const c = choose([`c.JupyterHub.authenticator_class = '${name}'`], USER);
    assert.deepEqual([c.id, c.pam], ['pam', true], name);
  }
});

test('the refusal says why PAM, why it cannot run, and what to install or set', () => {
  const c = choose(["c.LocalAuthenticator.allowed_groups = {'jupyter'}"], ROOT);
  const problems = [
    {
      text: 'no PAM backend is available',
      fix: 'Install a PAM backend: apt-get install pamtester.',
    },
  ];
  const problem = pamProblem(c, problems);
  assert.match(problem, /PAM is needed \(.*LocalAuthenticator\.allowed_groups/);
  assert.match(problem, /does not switch to another login system/);
  const fix = pamFix(c, problems);
  assert.match(fix, /^Install a PAM backend: apt-get install pamtester\. Or, /);
  const help = pamInstallHelp();
  assert.match(help, /apt-get install pamtester/);
  assert.match(help, /libpam0g-dev/);
  assert.match(help, /npm (rebuild|install --no-save) node-linux-pam/);
  assert.match(
    fix,
    /authenticator_class = 'native' \(and remove LocalAuthenticator\.allowed_groups/,
  );
});
