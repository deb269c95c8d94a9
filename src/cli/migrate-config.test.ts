import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HubError } from '../errors.js';
import { migrateConfig } from './migrate-config.js';

function migrate(t: { after: (fn: () => void) => void }, py: string): string {
  const d = mkdtempSync(join(tmpdir(), 'labhub-migrate-'));
  t.after(() => rmSync(d, { recursive: true }));
  writeFileSync(join(d, 'jupyterhub_config.py'), py);
  return migrateConfig(join(d, 'jupyterhub_config.py'));
}

test('every setting line carries its original line number; changed ones say what changed', (t) => {
  const out = migrate(
    t,
    "c = get_config()\nc.JupyterHub.port = 8000\nc.Spawner.env = {'A': '1'}\nc.Spawner.notebook_dir = '~/%U'\n",
  );
  const lines = out.split('\n').filter((l) => /^ {2}\w/.test(l));
  assert.equal(lines.length, 3);
  for (const l of lines) assert.match(l, /# line \d+/);
  assert.match(out, /^ {2}port: 8000 {2}# line 2$/m);
  assert.match(
    out,
    /^ {2}environment: \{ A: "1" \} {2}# line 3: renamed from Spawner\.env \(was: c\.Spawner\.env = \{'A': '1'\}\)$/m,
  );
  assert.match(
    out,
    /^ {2}notebook_dir: "~\/\{username\}" {2}# line 4: %U replaced by \{username\}/m,
  );
  assert.deepEqual(parse(out), {
    JupyterHub: { port: 8000 },
    Spawner: { environment: { A: '1' }, notebook_dir: '~/{username}' },
  });
});

test('dropped, unsupported and unknown settings are listed as comments with their lines', (t) => {
  const out = migrate(
    t,
    "c.JupyterHub.confirm_no_ssl = True\nc.JupyterHub.subdomain_host = 'x'\nc.Spawner.notebookdir = '/x'\n",
  );
  assert.deepEqual(parse(out), null);
  assert.match(out, /^# line 1: c\.JupyterHub\.confirm_no_ssl = True -- does nothing/m);
  assert.match(
    out,
    /^# line 2: c\.JupyterHub\.subdomain_host = 'x' -- not supported by labhub yet/m,
  );
  assert.match(
    out,
    /^# line 3: c\.Spawner\.notebookdir = '\/x' -- unknown setting \(did you mean Spawner\.notebook_dir\?\)/m,
  );
});

test('lazy .append()/.update() become full values; multi-line strings stay on one line', (t) => {
  const out = migrate(
    t,
    "c.Spawner.args.append('--debug')\nc.DummyAuthenticator.password = '''a\nb'''\n",
  );
  assert.deepEqual(parse(out), {
    DummyAuthenticator: { password: 'a\nb' },
    Spawner: { args: ['--debug'] },
  });
  assert.match(out, /args: \[ --debug \] {2}# line 1: \.append\(\) applied to the default/);
});

test('code in the file is refused with file:line, like loading it', (t) => {
  assert.throws(
    () => migrate(t, 'import os\n'),
    (e: unknown) =>
      e instanceof HubError &&
      e.code === 'LABHUB_ERR_CONFIG_SYNTAX' &&
      /jupyterhub_config\.py:1/.test(e.userMessage),
  );
});
