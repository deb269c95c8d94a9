import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHubError } from '../errors.js';
import {
  defaultRequirementsFile,
  defaultVenvDir,
  ensureUserEnv,
  MARKER_FILE,
  packageRoot,
} from './user-env.js';
import { labhubTraits } from '../config/schema-classes.js';
import { traitMeta } from '../config/schema-util.js';

const base = mkdtempSync(join(tmpdir(), 'labhub-userenv-'));
chmodSync(base, 0o755);
after(() => rmSync(base, { recursive: true, force: true }));

const emptyPath = join(base, 'empty-bin'); // a PATH on which nothing is found
mkdirSync(emptyPath);
const FAKE = 'labhub-fake-singleuser';

test('the pins file is found relative to the package root, not the cwd', () => {
  assert.ok(existsSync(join(packageRoot(), 'package.json')));
  assert.equal(defaultRequirementsFile(), join(packageRoot(), 'python', 'requirements.txt'));
  assert.match(readFileSync(defaultRequirementsFile(), 'utf8'), /^jupyterhub==/m);
});

test('a command on PATH is used as is', async () => {
  const bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, FAKE), '#!/bin/sh\n', { mode: 0o755 });
  const r = await ensureUserEnv({
    command: FAKE,
    searchPath: `${emptyPath}:${bin}`,
    venvDir: join(base, 'unused-venv'),
  });
  assert.deepEqual(r, { command: join(bin, FAKE), binDir: null, venvDir: null, source: 'path' });
  assert.equal(existsSync(join(base, 'unused-venv')), false);
});

test('not on PATH: creates a venv from the requirements, reuses it, updates it when the pins change', async () => {
  const venvDir = join(base, 'share', 'venv');
  const req = join(base, 'requirements.txt');
  writeFileSync(req, 'six==1.16.0\n');
  const lines: string[] = [];
  const opts = {
    command: FAKE,
    searchPath: emptyPath,
    venvDir,
    requirementsFile: req,
    onProgress: (l: string) => lines.push(l),
  };

  // six provides no such command: the venv is made, then the error says what is missing.
  await assert.rejects(ensureUserEnv(opts), (e: unknown) => {
    assert.ok(isHubError(e));
    assert.equal(e.code, 'LABHUB_ERR_USER_ENV');
    assert.ok(e.userMessage.includes(FAKE) && e.userMessage.includes(venvDir), e.userMessage);
    return true;
  });
  assert.ok(
    lines.some((l) => l.startsWith('Creating a Python environment')),
    lines.join('\n'),
  );
  assert.ok(
    lines.some(
      (l) =>
        /six/.test(l) &&
        /Successfully installed|already satisfied|Processing|Downloading|Collecting/.test(l),
    ),
    lines.join('\n'),
  );
  const py = join(venvDir, 'bin', 'python');
  assert.equal(
    execFileSync(py, ['-c', 'import six; print(six.__version__)'], { encoding: 'utf8' }).trim(),
    '1.16.0',
  );
  const marker = readFileSync(join(venvDir, MARKER_FILE), 'utf8').trim();
  assert.match(marker, /^[0-9a-f]{64}$/);

  // Usable by other Linux users: directories searchable, files readable by others.
  const sixFile = execFileSync(py, ['-c', 'import six; print(six.__file__)'], {
    encoding: 'utf8',
  }).trim();
  assert.equal(statSync(sixFile).mode & 0o004, 0o004);
  assert.equal(statSync(join(venvDir, 'bin')).mode & 0o005, 0o005);

  // Pretend the pinned package provides the command: the second call reuses the venv (no pip run).
  writeFileSync(join(venvDir, 'bin', FAKE), '#!/bin/sh\n', { mode: 0o755 });
  lines.length = 0;
  const reused = await ensureUserEnv(opts);
  assert.deepEqual(reused, {
    command: join(venvDir, 'bin', FAKE),
    binDir: join(venvDir, 'bin'),
    venvDir,
    source: 'venv-reused',
  });
  assert.ok(!lines.some((l) => /Installing/.test(l)), lines.join('\n'));

  // Changed pins: pip runs again in the same venv and the marker follows the file.
  appendFileSync(req, '# changed\n');
  lines.length = 0;
  const updated = await ensureUserEnv(opts);
  assert.equal(updated.source, 'venv-installed');
  assert.ok(
    lines.some((l) => /^Installing 1 pinned package\(s\) from /.test(l)),
    lines.join('\n'),
  );
  assert.notEqual(readFileSync(join(venvDir, MARKER_FILE), 'utf8').trim(), marker);
});

test('a python that cannot make a venv fails with LABHUB_ERR_USER_ENV and what to do', async () => {
  const req = join(base, 'req-bad-python.txt');
  writeFileSync(req, 'six==1.16.0\n');
  await assert.rejects(
    ensureUserEnv({
      command: FAKE,
      searchPath: emptyPath,
      venvDir: join(base, 'venv-bad'),
      requirementsFile: req,
      python: join(base, 'no-python3'),
    }),
    (e: unknown) => {
      assert.ok(isHubError(e));
      assert.equal(e.code, 'LABHUB_ERR_USER_ENV');
      assert.match(e.userMessage, /python3 -m venv failed/);
      assert.match(e.userMessage, /python3-venv|jupyterhub-singleuser yourself/);
      return true;
    },
  );
});

test('a pip failure reports the pip output tail', async () => {
  const req = join(base, 'req-missing.txt');
  writeFileSync(req, 'labhub-surely-not-a-real-package-xyz==0.0.1\n');
  const venvDir = join(base, 'share', 'venv'); // reuse the venv from above: no second venv creation
  await assert.rejects(
    ensureUserEnv({ command: FAKE, searchPath: emptyPath, venvDir, requirementsFile: req }),
    (e: unknown) => {
      assert.ok(isHubError(e));
      assert.equal(e.code, 'LABHUB_ERR_USER_ENV');
      assert.match(e.userMessage, /pip install failed/);
      assert.match(e.userMessage, /Last output:[\s\S]*labhub-surely-not-a-real-package-xyz/);
      return true;
    },
  );
});

test('the documented default of Labhub.user_env_dir names both defaults (root and not root)', () => {
  const help = traitMeta(labhubTraits.user_env_dir)?.help ?? '';
  assert.ok(help.includes('`/opt/labhub/venv` when labhub runs as root'), help);
  assert.ok(help.includes('~/.local/share/labhub/venv'), help);
  if (process.getuid?.() === 0) assert.equal(defaultVenvDir(), '/opt/labhub/venv');
});
